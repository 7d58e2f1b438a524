// Single-use links shared by every instance through Redis, revocation with one
// field update, and links bound to the session that asked for them.
import { fileURLToPath } from 'node:url';
import express from 'express';
import { createDownloads, createSigner, fsStorage, memoryUseStore } from 'express-signed-downloads';
import { redisUseStore } from 'express-signed-downloads/redis';
import { own } from '../shared/own.mjs';

const USERS = { 'alice-session': { id: 'alice' }, 'bob-session': { id: 'bob' } };
const sessionOf = (req) => /(?:^|;\s*)sid=([^;]+)/.exec(req.get('cookie') ?? '')?.[1];

/**
 * `redis`: a connected node-redis client, or undefined for counts in this
 * process (one instance only).
 */
export function createApp({ secret, redis }) {
  const files = { report: { id: 'report', key: 'secret.txt', ownerId: 'alice', linksValidAfter: undefined } };
  const downloads = createDownloads({
    storage: fsStorage({ root: fileURLToPath(new URL('./files', import.meta.url)) }),
    signer: createSigner({ secret }),
    findFile: (id) => own(files, id),
    authenticate: (req) => own(USERS, sessionOf(req) ?? ''),
    authorize: (_req, file, user) => file.ownerId === user.id,
    useStore: redis === undefined ? memoryUseStore() : redisUseStore({ client: redis }),
    // The link works only with the session cookie it was issued to.
    bindTo: sessionOf,
    onEvent: (event) => {
      if (event.type === 'served') console.log(`served ${event.fileId} ${event.status} use ${event.uses ?? '-'} of ${event.claims?.maxUses ?? '∞'}`);
      if (event.type === 'denied' || event.type === 'failed') console.log(`${event.type} ${event.fileId ?? '-'} ${event.status} ${event.error.code}`);
    },
  });
  const app = express();
  app.use('/files', downloads.serveSignedDownload({ graceSeconds: 600 }));
  app.use('/files', downloads.issueDownloadUrl({ maxUses: 1, maxUsesParam: 5, expiresIn: 600 }));
  // "Revoke every link to this file": one field on the record.
  app.post('/files/:fileId/revoke-links', (req, res) => {
    const file = own(files, req.params.fileId);
    if (file === null || own(USERS, sessionOf(req) ?? '')?.id !== file.ownerId) return res.status(404).json({ error: 'not found' });
    file.linksValidAfter = new Date();
    res.json({ revoked_before: file.linksValidAfter.toISOString() });
  });
  return app;
}
