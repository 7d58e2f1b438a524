// The example app: an Express 5 app serving the files in ./files from local
// disk. Everything download-related comes from the library; this file only
// says which files exist, who may have them and where they live.
import { fileURLToPath } from 'node:url';
import express from 'express';
import { createDownloads, createSigner, fsStorage, memoryUseStore } from 'express-signed-downloads';
import { own } from '../shared/own.mjs';
import { eventStream, playgroundPage } from './playground.mjs';

const files = () => ({
  report: { id: 'report', key: 'report.png', filename: 'Q3 report.png' },
  clip: { id: 'clip', key: 'clip.webm' },
  notes: { id: 'notes', key: 'notes.txt' },
  upload: { id: 'upload', key: 'upload.html' }, // HTML: always served as an attachment
  memo: { id: 'memo', key: 'notes.txt', filename: 'memo.txt', linksValidAfter: undefined }, // the playground revokes its links
});

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

/** Builds the app; `secret` signs the URLs, `apiKey` guards the authenticated routes. */
export function createApp({ secret, apiKey }) {
  const signer = createSigner({ secret });
  const records = files();
  const events = eventStream();
  const authenticate = (req) => (req.get('x-api-key') === apiKey ? { apiKey } : null);
  const downloads = createDownloads({
    storage: fsStorage({ root: fileURLToPath(new URL('./files', import.meta.url)) }),
    signer,
    findFile: (id) => own(records, id),
    authenticate,
    authorize: () => true, // every holder of the API key may download every demo file
    useStore: memoryUseStore(), // counts the uses of ?max_uses= links (one process)
    onEvent: (event) => {
      logEvent(event);
      events.publish(event);
    },
  });

  const app = express();
  // The playground: a page whose links are signed when it is rendered.
  app.get('/', async (_req, res) => {
    const links = Object.fromEntries(await Promise.all([['report'], ['clip'], ['notes', 'attachment']].map(
      async ([id, disposition]) => [id, await signedPath(signer, id, { disposition })],
    )));
    res.set('Cache-Control', 'no-store').type('html').send(playgroundPage({ links, apiKey }));
  });
  app.get('/events', events.route);
  app.use(
    '/files',
    downloads.issueDownloadUrl({ maxUsesParam: 5 }), // GET  /files/:fileId/download-url[?max_uses=N&expires_in=S]  (X-API-Key)
    downloads.serveSignedDownload(), // GET  /files/:fileId/content?token=…&expires=…
    downloads.serveDownload(), // GET  /files/:fileId/download  (X-API-Key)
  );
  // "Revoke every link to this file": one field on the record.
  app.post('/files/:fileId/revoke-links', (req, res) => {
    const file = own(records, req.params.fileId);
    if (file === null || authenticate(req) === null) return res.status(404).json({ error: { code: 'FILE_NOT_FOUND' } });
    file.linksValidAfter = new Date();
    res.json({ revoked_before: file.linksValidAfter.toISOString() });
  });
  return { app, signer };
}
