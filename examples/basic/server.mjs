// Starts the basic example and prints curl commands that work as printed.
import { createApp, signedPath } from './app.mjs';
import { exampleSecret, startExample } from '../shared/start.mjs';

const apiKey = process.env.API_KEY ?? 'demo-key';
const { app, signer } = createApp({ secret: await exampleSecret(), apiKey });

startExample(app, async (base) => {
  const signedUrl = `${base}${await signedPath(signer, 'report', { expiresIn: 3600 })}`;
  return `express-signed-downloads basic example (API key: ${apiKey})

Open ${base}/ in a browser: the playground. An image, a seekable video and a
download link on signed URLs, each with its decoded claims and a countdown; the
library's events, live; buttons for a single-use link (200, then 410), revoking
links, a 5-second link dying, and an HTML file forced to download.

1. Ask for a signed URL (authenticated):
   curl -s -H "X-API-Key: ${apiKey}" ${base}/files/report/download-url

2. Download with the signed URL (no auth header; valid for 1 hour):
   curl -sS -D - -o report.png "${signedUrl}"

3. Only the first 16 bytes (Range):
   curl -sS -D - -H "Range: bytes=0-15" "${signedUrl}" -o /dev/null

4. Authenticated direct download:
   curl -sS -OJ -H "X-API-Key: ${apiKey}" ${base}/files/notes/download

SIGNED_URL=${signedUrl}`;
});
