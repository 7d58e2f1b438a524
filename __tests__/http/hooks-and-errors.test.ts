import express from 'express';
import request from 'supertest';
import {
  DownloadError, memoryStorage, redirectToPresigned, serveDownload, issueDownloadUrl, type DownloadEvent, type ServeDownloadOptions,
} from '../../lib';
import { signer } from '../helpers/app';

const storage = memoryStorage().put('doc.pdf', '%PDF-1.7 body');

function app(extra: Partial<ServeDownloadOptions> = {}) {
  const server = express();
  server.use('/files', serveDownload({
    storage,
    findFile: (id) => (id === 'doc' ? { id, key: 'doc.pdf' } : null),
    authorize: () => true,
    ...extra,
  }));
  return server;
}

const boom = () => {
  throw new Error('database password is hunter2 at /srv/app/db.js:12');
};

describe('a hook that throws becomes a clean 500', () => {
  test.each([
    ['findFile', { findFile: boom }],
    ['findFile (rejecting)', { findFile: async () => Promise.reject(new Error('secret detail')) }],
    ['authorize', { authorize: boom }],
    ['authenticate', { authenticate: boom }],
    ['tenant', { tenant: boom }],
    ['fileId', { fileId: boom }],
    ['headers', { headers: boom }],
    ['disposition', { disposition: boom }],
  ])('%s', async (_name, extra) => {
    const res = await request(app(extra as Partial<ServeDownloadOptions>)).get('/files/doc/download');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'Internal server error.', status: 500 } });
    expect(res.text).not.toMatch(/hunter2|secret detail|\.js:|at /);
  });

  test('a storage that fails before sending is 500 STORAGE_ERROR', async () => {
    const broken = { stat: async () => Promise.reject(new Error('EACCES /var/files')), read: async () => Promise.reject(new Error('nope')) };
    const res = await request(app({ storage: broken })).get('/files/doc/download');
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('STORAGE_ERROR');
    expect(res.text).not.toContain('EACCES');
  });

  test("other frameworks' exceptions are a 500 whatever status they carry (NestJS, http-errors)", async () => {
    // NestJS's HttpException keeps its status behind getStatus(); http-errors sets status, statusCode and expose.
    class NotFoundException extends Error {
      constructor() { super('Not Found'); }
      getStatus() { return 404; }
      getResponse() { return { statusCode: 404, message: 'Not Found' }; }
    }
    const httpError = Object.assign(new Error('Forbidden'), { status: 403, statusCode: 403, expose: true });
    for (const thrown of [new NotFoundException(), httpError]) {
      const res = await request(app({ findFile: () => { throw thrown; } })).get('/files/doc/download');
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'Internal server error.', status: 500 } });
    }
  });

  test('a hook may throw a DownloadError to choose the answer', async () => {
    const res = await request(app({ authorize: () => { throw new DownloadError('FILE_LOCKED', 'Under legal hold.'); } })).get('/files/doc/download');
    expect(res.status).toBe(423);
    expect(res.body.error).toEqual({ code: 'FILE_LOCKED', message: 'Under legal hold.', status: 423 });
  });
});

describe('formatError', () => {
  test('reproduces a host envelope with its own status codes', async () => {
    const res = await request(app({
      formatError: (error) => ({
        status: error.code === 'FILE_NOT_FOUND' ? 437 : error.status,
        body: { statusCode: error.code === 'FILE_NOT_FOUND' ? 437 : error.status, data: {}, message: 'Document not found' },
        headers: { 'X-Error-Code': error.code },
      }),
    })).get('/files/missing/download');
    expect(res.status).toBe(437);
    expect(res.body).toEqual({ statusCode: 437, data: {}, message: 'Document not found' });
    expect(res.headers['x-error-code']).toBe('FILE_NOT_FOUND');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  test('without a status it keeps the error status; a string body is text/plain', async () => {
    const res = await request(app({ formatError: (error) => ({ body: `nope: ${error.code}` }) })).get('/files/missing/download');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.text).toBe('nope: FILE_NOT_FOUND');
  });

  test('a formatError that throws or returns a bad status falls back to the default envelope with 500', async () => {
    for (const formatError of [boom, () => ({ status: 42, body: {} })]) {
      const res = await request(app({ formatError })).get('/files/missing/download');
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'Internal server error.', status: 500 } });
    }
  });

  test('an envelope that cannot be sent (unencodable body, invalid header) falls back to the default 500', async () => {
    for (const formatError of [
      () => ({ body: { id: BigInt(1) } }),
      () => ({ body: {}, headers: { 'X-Bad': 'line\nbreak' } }),
    ]) {
      const res = await request(app({ formatError })).get('/files/missing/download');
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'Internal server error.', status: 500 } });
    }
  });

  test('a headers hook returning an invalid header value is a clean 500', async () => {
    const res = await request(app({ headers: () => ({ 'X-Bad': 'line\nbreak' }) })).get('/files/doc/download');
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('INTERNAL_ERROR');
  });

  test('receives the internal cause for logging while the body stays safe', async () => {
    let cause: unknown;
    const res = await request(app({ findFile: boom, formatError: (error) => { cause = error.cause; return { body: { message: error.message } }; } }))
      .get('/files/doc/download');
    expect(res.body).toEqual({ message: 'Internal server error.' });
    expect((cause as Error).message).toContain('hunter2');
  });
});

describe('onEvent', () => {
  test('reports served, denied and issued, and a throwing hook changes nothing', async () => {
    const events: DownloadEvent[] = [];
    const server = express();
    const options = {
      storage, signer, findFile: (id: string) => (id === 'doc' ? { id, key: 'doc.pdf' } : null), authorize: () => true,
      onEvent: (event: DownloadEvent) => { events.push(event); throw new Error('audit log is down'); },
    };
    server.use('/files', serveDownload(options), issueDownloadUrl(options));
    expect((await request(server).get('/files/doc/download').set('Range', 'bytes=0-3')).status).toBe(206);
    expect((await request(server).get('/files/nope/download')).status).toBe(404);
    expect((await request(server).get('/files/doc/download-url')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [served, denied, issued] = events;
    expect(served).toMatchObject({ type: 'served', fileId: 'doc', signed: false, status: 206, bytes: 4, range: { start: 0, end: 3 }, aborted: false });
    expect((served as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);
    expect(denied).toMatchObject({ type: 'denied', fileId: 'nope', status: 404 });
    expect((denied as { error: DownloadError }).error.code).toBe('FILE_NOT_FOUND');
    expect(issued).toMatchObject({ type: 'issued', fileId: 'doc', mode: 'signed' });
  });
});

describe('the process survives', () => {
  test('an async hook rejecting with a non-Error value', async () => {
    const res = await request(app({ findFile: () => Promise.reject('plain string') })).get('/files/doc/download');
    expect(res.status).toBe(500);
    expect((await request(app()).get('/files/doc/download')).status).toBe(200);
  });
});

describe('remaining error codes', () => {
  test('redirectToPresigned on a storage without presign is 503 STORAGE_NOT_CONFIGURED', async () => {
    const server = express();
    server.use('/files', redirectToPresigned({ storage, findFile: (id) => ({ id, key: 'doc.pdf' }), authorize: () => true }));
    const res = await request(server).get('/files/doc/redirect');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('STORAGE_NOT_CONFIGURED');
  });

  test('a file id over 1024 characters is 422 VALIDATION_ERROR', async () => {
    const res = await request(app()).get(`/files/${'x'.repeat(1025)}/download`);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { parameter: 'fileId', reason: 'too_long' } });
  });

  test('an empty file id from a fileId hook is 400 FILE_ID_REQUIRED', async () => {
    const res = await request(app({ fileId: () => '' })).get('/files/doc/download');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('FILE_ID_REQUIRED');
  });
});
