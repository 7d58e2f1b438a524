// The example app: an Express 5 app serving files from ./files on local disk.
// Everything download-related comes from the library; this file only says
// which files exist, who may have them and where they live.
import { fileURLToPath } from 'node:url';
import express from 'express';
import { createDownloads, createSigner, fsStorage } from 'express-signed-downloads';

const FILES = {
  report: { id: 'report', key: 'report.png', filename: 'Q3 report.png' },
  notes: { id: 'notes', key: 'notes.txt' },
  upload: { id: 'upload', key: 'upload.html' }, // HTML: always served as an attachment
};

/** Builds the app; `secret` signs the URLs, `apiKey` guards the authenticated routes. */
export function createApp({ secret, apiKey }) {
  const signer = createSigner({ secret });
  const downloads = createDownloads({
    storage: fsStorage({ root: fileURLToPath(new URL('./files', import.meta.url)) }),
    signer,
    findFile: (id) => FILES[id] ?? null,
    authenticate: (req) => (req.get('x-api-key') === apiKey ? { apiKey } : null),
    authorize: () => true, // every holder of the API key may download every demo file
    onEvent: (event) => {
      if (event.type === 'served') console.log(`served ${event.fileId} ${event.status} ${event.bytes} bytes${event.aborted ? ' (aborted)' : ''}`);
      if (event.type === 'denied') console.log(`denied ${event.fileId ?? '-'} ${event.status} ${event.error.code}`);
    },
  });

  const app = express();
  app.use(
    '/files',
    downloads.issueDownloadUrl(), // GET  /files/:fileId/download-url  (X-API-Key)
    downloads.serveSignedDownload(), // GET  /files/:fileId/content?token=…&expires=…
    downloads.serveDownload(), // GET  /files/:fileId/download  (X-API-Key)
  );
  return { app, signer };
}
