// Attachment redirect:
//   GET /api/v1/attachments/:id/download   (Authorization: Bearer ixk_…)
//     → 307 to a presigned S3 URL valid 15 minutes.
// The attachment must belong to the API key's tenant (another tenant's id is 404).
// Errors are RFC 9457 problem details (application/problem+json).
import express from 'express';
import { createDownloads, memoryStorage } from 'express-signed-downloads';
import { s3Storage } from 'express-signed-downloads/s3';
import { own } from '../shared/own.mjs';

export const OBJECTS = {
  'attachments/acme/3f1c.pdf': { body: '%PDF-1.4 acme invoice', contentType: 'application/pdf' },
  'attachments/globex/9a2e.png': { body: Buffer.from('89504e470d0a1a0a', 'hex'), contentType: 'image/png' },
};

export const ATTACHMENTS = {
  '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f': { key: 'attachments/acme/3f1c.pdf', filename: 'Invoice März.pdf', tenant: 'acme' },
  '9a2e7b1c-3d4e-4f50-8a6b-7c8d9e0f1a2b': { key: 'attachments/globex/9a2e.png', filename: 'logo.png', tenant: 'globex' },
};

const API_KEYS = {
  ixk_live_acme: { tenant: 'acme', scopes: ['attachments:download'] },
  ixk_live_acme_readonly: { tenant: 'acme', scopes: ['attachments:list'] },
  ixk_revoked_acme: { tenant: 'acme', scopes: ['attachments:download'], revoked: true },
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const PROBLEMS = {
  UNAUTHENTICATED: ['Unauthorized', 'The API key is missing, invalid or revoked.'],
  ACCESS_DENIED: ['Forbidden', 'The API key lacks the attachments:download scope.'],
  FILE_NOT_FOUND: ['Not Found', 'Attachment not found'],
  STORAGE_NOT_CONFIGURED: ['Service Unavailable', 'Object storage not configured'],
};

function formatError(error, req) {
  const [title, detail] = PROBLEMS[error.code] ?? ['Internal Server Error', 'The attachment could not be downloaded.'];
  return {
    headers: { 'Content-Type': 'application/problem+json' },
    body: { type: `https://docs.example.com/problems/${error.code.toLowerCase().replace(/_/g, '-')}`, title, status: error.status, detail, instance: req.originalUrl },
  };
}

function apiKey(req) {
  const match = /^Bearer (ixk_\w+)$/.exec(req.get('authorization') ?? '');
  const key = match ? own(API_KEYS, match[1]) : null;
  return key && !key.revoked ? key : null;
}

/** `s3` is `{ client, bucket }`, or null when object storage is not configured (then every download is 503). */
export function createApp({ s3 }) {
  const downloads = createDownloads({
    // memoryStorage has no presign(): the router answers 503 STORAGE_NOT_CONFIGURED.
    storage: s3 ? s3Storage(s3) : memoryStorage(),
    findFile: (id) => (UUID.test(id) && ATTACHMENTS[id] ? { id, ...ATTACHMENTS[id] } : null),
    fileId: (req) => req.params.id,
    authenticate: apiKey,
    tenant: (_req, key) => key.tenant,
    authorize: (_req, _file, key) => key.scopes.includes('attachments:download'),
    disposition: 'attachment',
    formatError,
  });

  const app = express();
  app.use(downloads.redirectToPresigned({ path: '/api/v1/attachments/:id/download', expiresIn: 900 }));
  return app;
}
