import request from 'supertest';
import { fsStorage, memoryStorage, serveDownload, type FileRecord, type ServeDownloadOptions } from '../../lib';
import { appWith, binary, pattern, tempFiles } from '../helpers/app';

const png = pattern(1000);
const files = tempFiles({
  'report.png': png,
  'page.html': '<script>alert(1)</script>',
  'image.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  'empty.txt': '',
  'notes.txt': 'hello notes',
  'blob': 'no extension',
  'unicode.pdf': '%PDF-1.4',
});
afterAll(files.cleanup);

const records: Record<string, FileRecord> = {
  report: { id: 'report', key: 'report.png' },
  page: { id: 'page', key: 'page.html' },
  svg: { id: 'svg', key: 'image.svg' },
  empty: { id: 'empty', key: 'empty.txt' },
  notes: { id: 'notes', key: 'notes.txt' },
  blob: { id: 'blob', key: 'blob' },
  typed: { id: 'typed', key: 'blob', contentType: 'image/webp' },
  unicode: { id: 'unicode', key: 'unicode.pdf', filename: 'Überblick – März.pdf' },
  spaced: { id: 'spaced', key: 'notes.txt', filename: 'my notes.txt' },
  bobs: { id: 'bobs', key: 'notes.txt' },
  locked: { id: 'locked', key: 'notes.txt', locked: true },
  link: { id: 'link' },
  gone: { id: 'gone', key: 'missing.png' },
};

function app(extra: Partial<ServeDownloadOptions> = {}) {
  return appWith(
    '/files',
    serveDownload({
      storage: fsStorage({ root: files.root }),
      findFile: (id) => records[id] ?? null,
      authenticate: (req) => (req.get('x-api-key') === 'alice-key' ? { user: 'alice' } : null),
      authorize: (_req, file) => file.id !== 'bobs',
      ...extra,
    }),
  );
}

const get = (path: string, extra?: Partial<ServeDownloadOptions>) =>
  request(app(extra)).get(path).set('X-API-Key', 'alice-key').buffer(true).parse(binary);

describe('serveDownload: a full response', () => {
  test('200 with the exact bytes and every header express.static sends, plus nosniff and a private cache policy', async () => {
    const res = await get('/files/report/download');
    expect(res.status).toBe(200);
    expect(Buffer.compare(res.body as Buffer, png)).toBe(0);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-length']).toBe('1000');
    expect(res.headers['content-disposition']).toBe('inline; filename=report.png');
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['etag']).toMatch(/^"[0-9a-f]+-3e8"$/);
    expect(new Date(res.headers['last-modified']!).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(res.headers['cache-control']).toBe('private, no-cache');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  test('HEAD sends the same headers and no body', async () => {
    const res = await request(app()).head('/files/report/download').set('X-API-Key', 'alice-key');
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('1000');
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.text ?? '').toBe('');
  });

  test('an empty file is 200 with Content-Length 0, and a Range on it is ignored', async () => {
    const full = await get('/files/empty/download');
    expect(full.status).toBe(200);
    expect(full.headers['content-length']).toBe('0');
    const ranged = await get('/files/empty/download').set('Range', 'bytes=0-');
    expect(ranged.status).toBe(200);
    expect((ranged.body as Buffer).length).toBe(0);
  });
});

describe('serveDownload: Range', () => {
  test.each([
    ['bytes=0-99', 0, 99],
    ['bytes=900-', 900, 999],
    ['bytes=-100', 900, 999],
    ['bytes=990-2000', 990, 999],
    ['bytes=0-0', 0, 0],
    ['bytes=0-10,5-20', 0, 20],
    ['bytes=10-19,20-29', 10, 29],
  ])('%s → 206 with bytes %i-%i', async (header, start, end) => {
    const res = await get('/files/report/download').set('Range', header);
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/1000`);
    expect(res.headers['content-length']).toBe(String(end - start + 1));
    expect(Buffer.compare(res.body as Buffer, png.subarray(start, end + 1))).toBe(0);
  });

  test.each(['bytes=1000-', 'bytes=5000-6000', 'bytes=-0'])('%s → 416 with Content-Range bytes */size', async (header) => {
    const res = await get('/files/report/download').set('Range', header);
    expect(res.status).toBe(416);
    expect(res.headers['content-range']).toBe('bytes */1000');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(JSON.parse((res.body as Buffer).toString())).toEqual({
      error: { code: 'RANGE_NOT_SATISFIABLE', message: 'The requested range cannot be satisfied.', status: 416 },
    });
  });

  test.each(['bytes=abc', 'items=0-5', 'bytes=0-1,5-6', 'bytes=5-1'])('%s is ignored: 200 with the whole file', async (header) => {
    const res = await get('/files/report/download').set('Range', header);
    expect(res.status).toBe(200);
    expect(res.headers['content-range']).toBeUndefined();
    expect(Buffer.compare(res.body as Buffer, png)).toBe(0);
  });

  test('HEAD with a satisfiable Range answers 206 with that range\'s headers and no body', async () => {
    const res = await request(app()).head('/files/report/download').set('X-API-Key', 'alice-key').set('Range', 'bytes=100-199');
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe('bytes 100-199/1000');
    expect(res.headers['content-length']).toBe('100');
  });
});

describe('serveDownload: conditional requests', () => {
  async function validators() {
    const res = await get('/files/report/download');
    return { etag: res.headers['etag']!, lastModified: res.headers['last-modified']! };
  }

  test('If-None-Match with the current tag (strong, weak or *) → 304 without content headers', async () => {
    const { etag } = await validators();
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await get('/files/report/download').set('If-None-Match', header);
      expect(res.status).toBe(304);
      expect(res.headers['etag']).toBe(etag);
      expect(res.headers['cache-control']).toBe('private, no-cache');
      expect(res.headers['content-type']).toBeUndefined();
      expect(res.headers['content-disposition']).toBeUndefined();
      expect((res.body as Buffer).length).toBe(0);
    }
  });

  test('If-None-Match with another tag → 200, and it overrides If-Modified-Since', async () => {
    const { lastModified } = await validators();
    const res = await get('/files/report/download').set('If-None-Match', '"stale"').set('If-Modified-Since', lastModified);
    expect(res.status).toBe(200);
  });

  test('If-Modified-Since at or after Last-Modified → 304; before → 200; garbage is ignored', async () => {
    const { lastModified } = await validators();
    expect((await get('/files/report/download').set('If-Modified-Since', lastModified)).status).toBe(304);
    expect((await get('/files/report/download').set('If-Modified-Since', new Date(Date.now() + 86400e3).toUTCString())).status).toBe(304);
    expect((await get('/files/report/download').set('If-Modified-Since', 'Thu, 01 Jan 1970 00:00:00 GMT')).status).toBe(200);
    expect((await get('/files/report/download').set('If-Modified-Since', 'not a date')).status).toBe(200);
  });

  test('If-Match: current tag or * → 200; another or a weak tag → 412 PRECONDITION_FAILED', async () => {
    const { etag } = await validators();
    expect((await get('/files/report/download').set('If-Match', etag)).status).toBe(200);
    expect((await get('/files/report/download').set('If-Match', '*')).status).toBe(200);
    for (const header of ['"other"', `W/${etag}`]) {
      const res = await get('/files/report/download').set('If-Match', header);
      expect(res.status).toBe(412);
      expect(JSON.parse((res.body as Buffer).toString()).error.code).toBe('PRECONDITION_FAILED');
    }
  });

  test('If-Unmodified-Since before Last-Modified → 412; after → 200', async () => {
    expect((await get('/files/report/download').set('If-Unmodified-Since', 'Thu, 01 Jan 1970 00:00:00 GMT')).status).toBe(412);
    expect((await get('/files/report/download').set('If-Unmodified-Since', new Date(Date.now() + 86400e3).toUTCString())).status).toBe(200);
  });

  test('If-Range: the current tag or exact date keeps the range; a stale one sends the whole file', async () => {
    const { etag, lastModified } = await validators();
    const fresh = await get('/files/report/download').set('Range', 'bytes=0-9').set('If-Range', etag);
    expect(fresh.status).toBe(206);
    const byDate = await get('/files/report/download').set('Range', 'bytes=0-9').set('If-Range', lastModified);
    expect(byDate.status).toBe(206);
    // If-Range takes one tag: a list naming the current one, or `*`, is not a match (RFC 9110 §13.1.5).
    for (const stale of ['"old-tag"', `W/${etag}`, 'Thu, 01 Jan 1970 00:00:00 GMT', `${etag}, "other"`, `"other", ${etag}`, '*']) {
      const res = await get('/files/report/download').set('Range', 'bytes=0-9').set('If-Range', stale);
      expect(res.status).toBe(200);
      expect((res.body as Buffer).length).toBe(1000);
    }
  });
});

describe('serveDownload: content type and disposition', () => {
  test.each([
    ['page', 'text/html; charset=utf-8', 'attachment; filename=page.html'],
    ['svg', 'image/svg+xml', 'attachment; filename=image.svg'],
    ['notes', 'text/plain; charset=utf-8', 'inline; filename=notes.txt'],
    ['blob', 'application/octet-stream', 'attachment; filename=blob'],
    ['typed', 'image/webp', 'inline; filename=blob'],
    ['spaced', 'text/plain; charset=utf-8', 'inline; filename="my notes.txt"'],
  ])('%s → %s, %s', async (id, type, disposition) => {
    const res = await get(`/files/${id}/download`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers['content-disposition']).toBe(disposition);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  test('a non-ASCII filename gets an ASCII fallback and a UTF-8 filename*', async () => {
    const res = await get('/files/unicode/download');
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe(
      `inline; filename="?berblick ? M?rz.pdf"; filename*=UTF-8''%C3%9Cberblick%20%E2%80%93%20M%C3%A4rz.pdf`,
    );
  });

  test('the host may allow a type inline explicitly, and choose attachment per file', async () => {
    const html = await get('/files/page/download', { inlineTypes: ['text/html'] });
    expect(html.headers['content-disposition']).toBe('inline; filename=page.html');
    const forced = await get('/files/report/download', { disposition: 'attachment' });
    expect(forced.headers['content-disposition']).toBe('attachment; filename=report.png');
    const perFile = await get('/files/notes/download', { disposition: (file) => (file.id === 'notes' ? 'attachment' : 'inline') });
    expect(perFile.headers['content-disposition']).toBe('attachment; filename=notes.txt');
  });

  test("the storage's content type is used when neither the record nor a name tells it", async () => {
    const storage = memoryStorage().put('objects/1234', 'GIF89a', { contentType: 'image/gif' });
    const res = await get('/files/x/download', { storage, findFile: (id) => ({ id, key: 'objects/1234' }) });
    expect(res.headers['content-type']).toBe('image/gif');
    expect(res.headers['etag']).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
  });

  test('a record with size and a validator is served without a storage stat', async () => {
    const storage = memoryStorage().put('a.txt', 'abcdef');
    const stat = jest.spyOn(storage, 'stat');
    const lastModified = new Date('2024-01-02T03:04:05Z');
    const res = await get('/files/a/download', { storage, findFile: (id) => ({ id, key: 'a.txt', size: 6, etag: '"v1"', lastModified }) });
    expect(res.status).toBe(200);
    expect((res.body as Buffer).toString()).toBe('abcdef');
    expect(res.headers['etag']).toBe('"v1"');
    expect(res.headers['last-modified']).toBe('Tue, 02 Jan 2024 03:04:05 GMT');
    expect(stat).not.toHaveBeenCalled();
  });

  test('the headers hook adds headers and may override defaults such as Cache-Control', async () => {
    const res = await get('/files/report/download', { headers: (file) => ({ 'X-File-ID': file.id, 'Cache-Control': 'no-cache' }) });
    expect(res.headers['x-file-id']).toBe('report');
    expect(res.headers['cache-control']).toBe('no-cache');
  });
});

describe('serveDownload: access and errors', () => {
  test.each([
    ['no API key', 401, 'UNAUTHENTICATED', '/files/report/download', {}],
    ["another user's file", 403, 'ACCESS_DENIED', '/files/bobs/download', { 'X-API-Key': 'alice-key' }],
    ['an unknown id', 404, 'FILE_NOT_FOUND', '/files/nope/download', { 'X-API-Key': 'alice-key' }],
    ['a locked file', 423, 'FILE_LOCKED', '/files/locked/download', { 'X-API-Key': 'alice-key' }],
    ['a record with no key', 409, 'FILE_NOT_DOWNLOADABLE', '/files/link/download', { 'X-API-Key': 'alice-key' }],
    ['a key missing from storage', 404, 'FILE_NOT_FOUND', '/files/gone/download', { 'X-API-Key': 'alice-key' }],
  ])('%s → %i %s', async (_name, status, code, path, headers) => {
    const res = await request(app()).get(path).set(headers);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.status).toBe(status);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  test('without authenticate the host middleware in front decides, and authorize still runs', async () => {
    const res = await request(app({ authenticate: undefined })).get('/files/bobs/download');
    expect(res.status).toBe(403);
    const ok = await request(app({ authenticate: undefined })).get('/files/notes/download');
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('hello notes');
  });

  test('only a literal true from authorize allows', async () => {
    const truthy = app({ authorize: (() => 'yes') as unknown as ServeDownloadOptions['authorize'] });
    expect((await request(truthy).get('/files/notes/download').set('X-API-Key', 'alice-key')).status).toBe(403);
  });
});

describe('serveDownload: JSON mode', () => {
  const json = { json: { maxBytes: 100 } };

  test('Accept: application/json returns base64 content; */* still gets the bytes', async () => {
    const res = await request(app(json)).get('/files/notes/download').set('X-API-Key', 'alice-key').set('Accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['vary']).toBe('Accept');
    expect(res.body).toEqual({
      contentType: 'text/plain; charset=utf-8',
      data: Buffer.from('hello notes').toString('base64'),
      filename: 'notes.txt',
      size: 11,
    });
    const raw = await request(app(json)).get('/files/notes/download').set('X-API-Key', 'alice-key').set('Accept', '*/*');
    expect(raw.text).toBe('hello notes');
    expect(raw.headers['vary']).toBe('Accept');
  });

  test('a file over maxBytes is 406 JSON_TOO_LARGE, decided before reading', async () => {
    const res = await request(app(json)).get('/files/report/download').set('X-API-Key', 'alice-key').set('Accept', 'application/json');
    expect(res.status).toBe(406);
    expect(res.body.error.code).toBe('JSON_TOO_LARGE');
  });

  test('formatResponse reshapes the body', async () => {
    const res = await request(
      app({ ...json, formatResponse: (body) => ({ contentType: body.contentType, data: body.data, extensions: ['txt'] }) }),
    ).get('/files/notes/download').set('X-API-Key', 'alice-key').set('Accept', 'application/json');
    expect(res.body).toEqual({ contentType: 'text/plain; charset=utf-8', data: 'aGVsbG8gbm90ZXM=', extensions: ['txt'] });
  });

  test('without the json option, Accept: application/json still gets the file', async () => {
    const res = await request(app()).get('/files/notes/download').set('X-API-Key', 'alice-key').set('Accept', 'application/json');
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.text).toBe('hello notes');
  });
});
