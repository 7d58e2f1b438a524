// Starts the example and prints curl commands that work as printed.
import { randomBytes } from 'node:crypto';
import { createApp } from './app.mjs';

const port = Number(process.env.PORT ?? 3000);
const apiKey = process.env.API_KEY ?? 'demo-key';
// A fresh secret per start unless one is given: URLs printed by an earlier run stop working, as they should.
const secret = process.env.DOWNLOAD_SECRET ?? randomBytes(32).toString('base64url');

const { app, signer } = createApp({ secret, apiKey });
const server = app.listen(port, '127.0.0.1', async () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  const { token, expires } = await signer.sign({ fileId: 'report', expiresIn: 3600 });
  const signedUrl = `${base}/files/report/content?token=${token}&expires=${expires}`;
  console.log(`express-signed-downloads example listening on ${base}  (API key: ${apiKey})

1. Ask for a signed URL (authenticated):
   curl -s -H "X-API-Key: ${apiKey}" ${base}/files/report/download-url

2. Download with the signed URL (no auth header; valid for 1 hour):
   curl -sS -D - -o report.png "${signedUrl}"

3. Only the first 16 bytes (Range):
   curl -sS -D - -H "Range: bytes=0-15" "${signedUrl}" -o /dev/null

4. Authenticated direct download:
   curl -sS -OJ -H "X-API-Key: ${apiKey}" ${base}/files/notes/download

SIGNED_URL=${signedUrl}
Press Ctrl+C to stop.`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
