// The references: what an app would write without this package. Kept as
// plain as their description so the ratio measures our overhead, not a
// strawman or a tuned competitor.
import { createReadStream, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import express from 'express';
import { jwtVerify, SignJWT } from 'jose';

const AUDIENCE = 'express-signed-downloads';

/** express.static of the fixture root: GET /files/<id>.bin */
export function expressStatic({ root }) {
  const app = express();
  app.use('/files', express.static(root));
  return app;
}

/**
 * A hand-written signed-URL check in front of express.static: verify the
 * query token with jose (the secret as bytes, as jose's examples do), check
 * it names the requested file, then serve. It verifies the same tokens ours
 * issues, so both sides get identical URLs apart from the path.
 */
export function joseStatic({ root, secret }) {
  const key = new TextEncoder().encode(secret);
  const app = express();
  app.use('/files', async (req, res, next) => {
    try {
      const { payload } = await jwtVerify(String(req.query.token), key, { audience: AUDIENCE, algorithms: ['HS256'] });
      if (payload.fid !== basename(req.path, extname(req.path))) throw new Error('token for another file');
      next();
    } catch {
      res.status(401).json({ error: 'TOKEN_INVALID' });
    }
  }, express.static(root));
  return app;
}

/**
 * Bare node:http: every request streams the large file with pipe(). The
 * length is read once at start-up so the response is not chunked (what
 * wrk measures is then the same bytes as for ours).
 */
export function nodeStream({ root, file: name = 'large.bin' }) {
  const file = join(root, name);
  const { size } = statSync(file);
  return (req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': size });
    createReadStream(file).pipe(res);
  };
}

/** A hand-written issue route: API key, then jose SignJWT and res.json. */
export function joseIssue({ secret, apiKey }) {
  const key = new TextEncoder().encode(secret);
  const app = express();
  app.get('/files/:fileId/download-url', async (req, res) => {
    if (req.get('x-api-key') !== apiKey) return res.status(401).json({ error: 'UNAUTHENTICATED' });
    const { fileId } = req.params;
    const expires = Math.floor(Date.now() / 1000) + 3600;
    const token = await new SignJWT({ fid: fileId })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(expires)
      .sign(key);
    const download_url = `${req.protocol}://${req.get('host')}/files/${encodeURIComponent(fileId)}/content?token=${token}&expires=${expires}`;
    res.json({ download_url, token, expires });
  });
  return app;
}

/** What an app writes by hand: read the photo, the same sharp pipeline as the rendition, send it. */
export async function sharpRoute({ root }) {
  const { default: sharp } = await import('sharp');
  const { readFile } = await import('node:fs/promises');
  const app = express();
  app.get('/render/:name', async (req, res, next) => {
    try {
      const input = await readFile(join(root, basename(req.params.name)));
      const output = await sharp(input).autoOrient().resize({ width: 512, height: 2500, fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
      res.type('image/webp').send(output);
    } catch (error) {
      next(error);
    }
  });
  return app;
}
