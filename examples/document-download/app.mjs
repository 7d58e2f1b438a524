// Document download, presigned-style or direct:
//   POST /download  {"document_id": "doc-123"}  (Authorization: Bearer …)
//        → { statusCode: 200, data: { download_url }, message: "OKAY" }   (URL valid 1 hour)
//   GET  /download/:document_id  (Authorization: Bearer …) → the file as an attachment, Cache-Control: no-cache
// Errors keep the { statusCode, data: {}, message } envelope with the API's own status codes (435, 437…).
import { fileURLToPath } from 'node:url';
import express from 'express';
import { createDownloads, createSigner, fsStorage } from 'express-signed-downloads';
import { own } from '../shared/own.mjs';

const USERS = { 'token-alice': { id: 'alice' }, 'token-bob': { id: 'bob' } };

const DOCUMENTS = {
  'doc-123': { id: 'doc-123', key: 'docs/contract-123.pdf', filename: 'Contract 123.pdf', owner: 'alice' },
  'doc-456': { id: 'doc-456', key: 'docs/notes-456.txt', filename: 'notes.txt', owner: 'alice' },
  // Only a link to somewhere else: nothing stored to download.
  'doc-link': { id: 'doc-link', owner: 'alice', url: 'https://example.com/spec.html' },
  'doc-bob': { id: 'doc-bob', key: 'docs/notes-456.txt', owner: 'bob' },
};

/** The API's own status codes and messages for each library error code. */
const ERRORS = {
  FILE_ID_REQUIRED: [435, 'Document ID is required'],
  VALIDATION_ERROR: [435, 'Document ID is required'],
  FILE_NOT_DOWNLOADABLE: [435, 'Document has no file path'],
  UNAUTHENTICATED: [403, 'UNAUTHORIZED'],
  ACCESS_DENIED: [403, 'UNAUTHORIZED'],
  TOKEN_INVALID: [403, 'UNAUTHORIZED'],
  FILE_NOT_FOUND: [437, 'Document not found'],
};

function formatError(error) {
  const [statusCode, message] = ERRORS[error.code] ?? [500, 'Failed to download document'];
  return { status: statusCode, body: { statusCode, data: {}, message } };
}

function bearer(req) {
  const match = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '');
  return match ? USERS[match[1]] : undefined;
}

export function createApp({ secret }) {
  const downloads = createDownloads({
    storage: fsStorage({ root: fileURLToPath(new URL('./files', import.meta.url)) }),
    signer: createSigner({ secret }),
    findFile: (id) => {
      if (id === 'doc-broken') throw new Error('documents database is unreachable');
      return own(DOCUMENTS, id);
    },
    authenticate: bearer,
    authorize: (_req, document, user) => DOCUMENTS[document.id]?.owner === user.id,
    disposition: 'attachment',
    expiresIn: 3600,
    formatError,
  });

  const app = express();
  app.use(
    downloads.issueDownloadUrl({
      method: 'POST',
      path: '/download',
      fileId: (req) => req.body?.document_id,
      downloadUrl: (_req, document) => `/documents/${encodeURIComponent(document.id)}/content`,
      formatResponse: (body) => ({ statusCode: 200, data: { download_url: body.download_url }, message: 'OKAY' }),
    }),
    downloads.serveSignedDownload({ path: '/documents/:fileId/content' }),
    downloads.serveDownload({
      path: '/download/:document_id',
      fileId: (req) => req.params.document_id,
      headers: () => ({ 'Cache-Control': 'no-cache' }),
    }),
  );
  return app;
}
