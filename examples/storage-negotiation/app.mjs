// Storage file with content negotiation:
//   GET /v2/storage/file/:id?customerId=cust_12345   (Authorization: Bearer …)
//     → the bytes (images inline, everything else attachment) with X-File-ID and X-Customer-ID,
//     → or, with Accept: application/json, { contentType, data /* base64 */, extensions }.
// Errors: { "error": "File not found: file_99999" } and friends.
import { fileURLToPath } from 'node:url';
import express from 'express';
import mime from 'mime-types';
import { createDownloads, fsStorage } from 'express-signed-downloads';
import { own } from '../shared/own.mjs';

const TOKENS = {
  sk_test_alpha: { customers: ['cust_12345', 'cust_67890'] },
  sk_test_beta: { customers: ['cust_67890'] },
};

const FILES = {
  file_logo: { id: 'file_logo', key: 'cust_12345/logo.png', contentType: 'image/png', tenant: 'cust_12345' },
  file_invoice: { id: 'file_invoice', key: 'cust_12345/invoice.pdf', contentType: 'application/pdf', tenant: 'cust_12345' },
  file_locked: { id: 'file_locked', key: 'cust_12345/invoice.pdf', contentType: 'application/pdf', tenant: 'cust_12345', locked: true },
  file_notes: { id: 'file_notes', key: 'cust_67890/notes.txt', tenant: 'cust_67890' },
};

function formatError(error, req) {
  const id = req.params.id;
  const messages = {
    UNAUTHENTICATED: 'Unauthorized',
    FILE_NOT_FOUND: `File not found: ${id}`,
    ACCESS_DENIED: `Access denied to file: ${id}`,
    FILE_LOCKED: 'File is locked and cannot be downloaded',
  };
  return { body: { error: messages[error.code] ?? error.message } };
}

export function createApp() {
  const downloads = createDownloads({
    storage: fsStorage({ root: fileURLToPath(new URL('./files', import.meta.url)) }),
    findFile: (id) => own(FILES, id),
    fileId: (req) => req.params.id,
    tenant: (req) => req.query.customerId,
    authenticate: (req) => own(TOKENS, (req.get('authorization') ?? '').replace(/^Bearer /, '')),
    authorize: (_req, file, token) => token.customers.includes(file.tenant),
    disposition: (file) => (file.contentType?.startsWith('image/') ? 'inline' : 'attachment'),
    headers: (file) => ({ 'X-File-ID': file.id, 'X-Customer-ID': file.tenant }),
    json: { maxBytes: 5 * 1024 * 1024 },
    formatError,
  });

  const app = express();
  app.use(
    downloads.serveDownload({
      path: '/v2/storage/file/:id',
      formatResponse: ({ contentType, data }) => ({ contentType, data, extensions: mime.extensions[contentType.split(';')[0]] ?? [] }),
    }),
  );
  return app;
}
