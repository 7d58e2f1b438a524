// Organisation-scoped signed tokens:
//   GET /v1/organizations/:organization_id/files/:file_id/download   (X-API-Key) → { download_url, token, expires }
//   GET /v1/organizations/:organization_id/files/:file_id/content?token=…&expires=…   (no auth) → the bytes
// Errors use a { success: false, error: { code, message, system_message, type, status, details, trace_id, timestamp } } envelope.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { createDownloads, createSigner, fsStorage } from 'express-signed-downloads';
import { own } from '../shared/own.mjs';

const API_KEYS = {
  key_acme_live: { organizationId: 'org_acme' },
  key_globex_live: { organizationId: 'org_globex' },
};

const FILES = {
  file_report: { id: 'file_report', key: 'org_acme/report.png', filename: 'report.png', tenant: 'org_acme' },
  file_plan: { id: 'file_plan', key: 'org_globex/plan.txt', filename: 'plan.txt', tenant: 'org_globex' },
};

const ERROR_TYPES = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
  422: 'invalid_request_error',
  423: 'conflict_error',
};

/** The API's error envelope; `system_message` is for developers, `message` for end users. */
function formatError(error, req) {
  return {
    body: {
      success: false,
      error: {
        code: error.code,
        message: error.message,
        system_message: `${error.code} on ${req.method} ${req.baseUrl}${req.path}`,
        type: ERROR_TYPES[error.status] ?? 'api_error',
        status: error.status,
        details: error.details ?? {},
        trace_id: req.get('x-request-id') ?? randomUUID(),
        timestamp: new Date().toISOString(),
      },
    },
  };
}

export function createApp({ secret }) {
  const downloads = createDownloads({
    storage: fsStorage({ root: fileURLToPath(new URL('./files', import.meta.url)) }),
    signer: createSigner({ secret }),
    findFile: (id) => own(FILES, id),
    fileId: (req) => req.params.file_id,
    // The organisation in the path is the tenant: it is signed into every token,
    // so a link issued under one organisation never opens another's files.
    tenant: (req) => req.params.organization_id,
    authenticate: (req) => own(API_KEYS, req.get('x-api-key') ?? ''),
    authorize: (_req, file, key) => file.tenant === key.organizationId,
    expiresIn: 3600,
    formatError,
  });

  const app = express();
  app.use(
    '/v1/organizations/:organization_id/files',
    downloads.issueDownloadUrl({
      path: '/:file_id/download',
      formatResponse: ({ download_url, token, expires }) => ({ download_url, token, expires }),
    }),
    downloads.serveSignedDownload({ path: '/:file_id/content' }),
  );
  return app;
}
