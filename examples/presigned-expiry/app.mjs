// Presigned URL with caller-chosen expiry:
//   GET /api/v1/files/:file_id/download?expires_in=3600   (X-API-Key)
//     → { download_url /* the object store's own presigned URL */, expires_in, file_id /* integer */, original_filename }
// expires_in defaults to 3600, at most 86400; invalid input is 422 { detail: [{ loc, msg, type }] }.
import express from 'express';
import { createDownloads, DownloadError } from 'express-signed-downloads';
import { s3Storage } from 'express-signed-downloads/s3';
import { own } from '../shared/own.mjs';

export const OBJECTS = {
  'uploads/2026/11/7f3a-quarterly.csv': { body: 'quarter,revenue\nQ3,1200\n', contentType: 'text/csv' },
  'uploads/2026/11/91bc-diagram.png': { body: Buffer.from('89504e470d0a1a0a', 'hex'), contentType: 'image/png' },
};

const FILES = {
  1: { id: '1', key: 'uploads/2026/11/7f3a-quarterly.csv', filename: 'Quarterly figures.csv', tenant: 'team-1' },
  2: { id: '2', key: 'uploads/2026/11/91bc-diagram.png', filename: 'diagram.png', tenant: 'team-1' },
  3: { id: '3', key: 'uploads/2026/11/91bc-diagram.png', filename: 'theirs.png', tenant: 'team-2' },
};

const API_KEYS = { 'sk-team-1': { team: 'team-1' } };

/** FastAPI-style validation details from the library's `details`. */
function validationDetail(error, req) {
  const { parameter, in: location, reason, min, max } = error.details ?? {};
  if (reason === 'out_of_range') {
    const tooLow = Number(req.query[parameter]) < min;
    return { loc: [location, parameter], msg: `Input should be ${tooLow ? `greater than or equal to ${min}` : `less than or equal to ${max}`}`, type: tooLow ? 'greater_than_equal' : 'less_than_equal' };
  }
  return { loc: [location ?? 'query', parameter], msg: 'Input should be a valid integer, unable to parse string as an integer', type: 'int_parsing' };
}

function formatError(error, req) {
  if (error.code === 'VALIDATION_ERROR') return { status: 422, body: { detail: [validationDetail(error, req)] } };
  return { body: { detail: error.message } };
}

export function createApp({ client, bucket }) {
  const downloads = createDownloads({
    storage: s3Storage({ client, bucket }),
    findFile: (id) => own(FILES, id),
    fileId: (req) => {
      if (!/^[0-9]{1,9}$/.test(req.params.file_id)) {
        throw new DownloadError('VALIDATION_ERROR', 'file_id must be an integer', { details: { parameter: 'file_id', in: 'path', reason: 'not_an_integer' } });
      }
      return req.params.file_id;
    },
    authenticate: (req) => own(API_KEYS, req.get('x-api-key') ?? ''),
    tenant: (_req, key) => key.team,
    authorize: () => true, // the tenant check already limits a key to its team's files
    formatError,
  });

  const app = express();
  app.use(downloads.issueDownloadUrl({
    path: '/api/v1/files/:file_id/download',
    mode: 'presigned',
    expiresIn: 3600,
    maxExpiresIn: 86400,
    disposition: 'attachment',
    formatResponse: (body) => ({
      download_url: body.download_url,
      expires_in: body.expires_in,
      file_id: Number(body.file_id),
      original_filename: body.filename,
    }),
  }));
  return app;
}
