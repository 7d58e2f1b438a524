// The example app: an Express 5 app serving the files in ./files from local
// disk. Everything download-related comes from the library; this file only
// says which files exist, who may have them and where they live.
import { fileURLToPath } from 'node:url';
import express from 'express';
import { createDownloads, createSigner, fsStorage } from 'express-signed-downloads';
import { own } from '../shared/own.mjs';

const FILES = {
  report: { id: 'report', key: 'report.png', filename: 'Q3 report.png' },
  clip: { id: 'clip', key: 'clip.webm' },
  notes: { id: 'notes', key: 'notes.txt' },
  upload: { id: 'upload', key: 'upload.html' }, // HTML: always served as an attachment
};

function logEvent(event) {
  if (event.type === 'served') {
    const range = event.range ? ` range ${event.range.start}-${event.range.end}` : '';
    console.log(`served ${event.fileId} ${event.status}${range} ${event.bytes} bytes${event.aborted ? ' (aborted)' : ''}`);
  }
  if (event.type === 'denied') console.log(`denied ${event.fileId ?? '-'} ${event.status} ${event.error.code}`);
}

/**
 * A signed URL made outside a request (for the page and the printed curl
 * commands). A token is bound to the path it is redeemed at, so `scope` is
 * the signed route's path.
 */
export async function signedPath(signer, fileId, { disposition, expiresIn = 600 } = {}) {
  const path = `/files/${encodeURIComponent(fileId)}/content`;
  const { token, expires } = await signer.sign({ fileId, disposition, expiresIn, scope: path });
  return `${path}?token=${token}&expires=${expires}`;
}

/** A page that loads everything through signed URLs, as a browser would. */
async function demoPage(signer) {
  const signed = async (fileId, disposition) => (await signedPath(signer, fileId, { disposition })).replace('&', '&amp;');
  return `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>express-signed-downloads</title>
<h1>Signed URLs in the browser</h1>
<p><img id="image" alt="Q3 report" src="${await signed('report')}"></p>
<p><video id="video" controls preload="auto" width="320" src="${await signed('clip')}"></video></p>
<p><a id="download" download href="${await signed('notes', 'attachment')}">Download notes.txt</a></p>
</html>`;
}

/** Builds the app; `secret` signs the URLs, `apiKey` guards the authenticated routes. */
export function createApp({ secret, apiKey }) {
  const signer = createSigner({ secret });
  const downloads = createDownloads({
    storage: fsStorage({ root: fileURLToPath(new URL('./files', import.meta.url)) }),
    signer,
    findFile: (id) => own(FILES, id),
    authenticate: (req) => (req.get('x-api-key') === apiKey ? { apiKey } : null),
    authorize: () => true, // every holder of the API key may download every demo file
    onEvent: logEvent,
  });

  const app = express();
  app.get('/', async (_req, res) => {
    res.set('Cache-Control', 'no-store').type('html').send(await demoPage(signer));
  });
  app.use(
    '/files',
    downloads.issueDownloadUrl(), // GET  /files/:fileId/download-url  (X-API-Key)
    downloads.serveSignedDownload(), // GET  /files/:fileId/content?token=…&expires=…
    downloads.serveDownload(), // GET  /files/:fileId/download  (X-API-Key)
  );
  return { app, signer };
}
