// One test per hole the outside attack found (issue 7). Each failed before its fix.
import { execFileSync } from 'node:child_process';
import { readdirSync, unlinkSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import express from 'express';
import request from 'supertest';
import {
  createDownloads, fsStorage, memoryStorage, serveDownload, serveSignedDownload, issueDownloadUrl, redirectToPresigned,
  type FileRecord, type ServeDownloadOptions, type StorageAdapter, type SharedOptions,
} from '../../lib';
import { readRange } from '../../lib/http/open-object';
import { appWith, binary, signer, tempFiles } from '../helpers/app';

const files = tempFiles({
  'gif.gif': 'GIF89a<script>alert(document.domain)</script>',
  'notes.txt': 'hello notes',
  'grow.txt': 'x'.repeat(10),
  'image.svg': '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
  '.env': 'SECRET=1',
  'dir/.hidden': 'hidden',
});
afterAll(files.cleanup);

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

const withAuth = { authenticate: () => ({ user: 'alice' }), authorize: () => true };

function fsApp(records: Record<string, FileRecord>, extra: Partial<ServeDownloadOptions> = {}) {
  return appWith('/files', serveDownload({ storage: fsStorage({ root: files.root }), findFile: (id) => records[id] ?? null, ...withAuth, ...extra }));
}

describe('1. a Content-Type is one strictly parsed media type', () => {
  const evil = ['image/gif;a=b, text/html', 'image/gif, text/html', 'image/png;x="a,b", text/html', 'image/gif\ttext/html', 'image/gif;;, text/html'];

  test.each(evil)('%j from a record is sent as application/octet-stream attachment', async (type) => {
    const res = await request(fsApp({ gif: { id: 'gif', key: 'gif.gif', contentType: type } })).get('/files/gif/download');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-disposition']).toBe('attachment; filename=gif.gif');
  });

  test('the same value from memoryStorage metadata is refused the same way', async () => {
    const storage = memoryStorage().put('a', 'GIF89a<script>', { contentType: 'image/gif;a=b, text/html' });
    const res = await request(appWith('/f', serveDownload({ storage, findFile: (id) => ({ id, key: 'a' }), ...withAuth }))).get('/f/x/download');
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-disposition']).toMatch(/^attachment/);
  });

  test('a valid type is sent normalised (lower case, one space, quoted only when needed)', async () => {
    const res = await request(fsApp({ n: { id: 'n', key: 'notes.txt', contentType: 'TEXT/Plain ;  CharSet="utf-8"' } })).get('/files/n/download');
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('inline; filename=notes.txt');
  });

  test('presign() receives the normalised type and attachment for a comma type', async () => {
    const calls: { contentType?: string; disposition: string }[] = [];
    const storage: StorageAdapter = {
      stat: async () => ({ size: 1 }),
      read: async () => Readable.from([]),
      presign: async (_key, options) => {
        calls.push(options);
        return 'https://store.example/x';
      },
    };
    const app = appWith('/f', redirectToPresigned({ storage, findFile: (id) => ({ id, key: 'a.gif', contentType: 'image/gif;a=b, text/html' }), ...withAuth }));
    expect((await request(app).get('/f/x/redirect')).status).toBe(307);
    expect(calls[0]).toMatchObject({ contentType: 'application/octet-stream', disposition: 'attachment; filename=a.gif' });
  });
});

describe('2. a token is redeemable only where it was issued for', () => {
  const storage = memoryStorage().put('docs/42.txt', 'team handbook').put('payroll/42.txt', 'salaries');
  const common = { signer, authenticate: () => ({ role: 'member' }) };
  const documents = createDownloads({ ...common, storage, findFile: (id) => ({ id, key: `docs/${id}.txt` }), authorize: () => true });
  const payroll = createDownloads({ ...common, storage, findFile: (id) => ({ id, key: `payroll/${id}.txt` }), authorize: () => false });

  test('a documents URL replayed on the payroll mount is 401 TOKEN_INVALID', async () => {
    const app = express();
    app.use('/documents', documents.issueDownloadUrl(), documents.serveSignedDownload());
    app.use('/payroll', payroll.issueDownloadUrl(), payroll.serveSignedDownload());
    const issued = await request(app).get('/documents/42/download-url');
    const { pathname, search } = new URL(issued.body.download_url);
    expect((await request(app).get(pathname + search)).text).toBe('team handbook');
    const replay = await request(app).get(pathname.replace('/documents/', '/payroll/') + search);
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('TOKEN_INVALID');
  });

  test('the same holds for two routers mounted at the root with full paths', async () => {
    const app = express();
    app.use(documents.issueDownloadUrl({ path: '/documents/:fileId/download-url', downloadUrl: (_req, file) => `/documents/${file.id}/content` }));
    app.use(documents.serveSignedDownload({ path: '/documents/:fileId/content' }), payroll.serveSignedDownload({ path: '/payroll/:fileId/content' }));
    const issued = await request(app).get('/documents/42/download-url');
    const { search } = new URL(issued.body.download_url);
    expect((await request(app).get(`/documents/42/content${search}`)).status).toBe(200);
    expect((await request(app).get(`/payroll/42/content${search}`)).status).toBe(401);
  });

  test('routers that share a scope on purpose accept each other\'s tokens', async () => {
    const app = express();
    const a = createDownloads({ ...common, storage, scope: 'handbook', findFile: (id) => ({ id, key: `docs/${id}.txt` }), authorize: () => true });
    app.use('/v1/files', a.issueDownloadUrl());
    app.use('/v2/files', a.serveSignedDownload());
    const issued = await request(app).get('/v1/files/42/download-url');
    const { search } = new URL(issued.body.download_url);
    expect((await request(app).get(`/v2/files/42/content${search}`)).text).toBe('team handbook');
  });
});

describe('3. a body never runs past its Content-Length', () => {
  test('a stale record size is overruled by the file actually opened, and its length is exact', async () => {
    const res = await request(fsApp({ n: { id: 'n', key: 'notes.txt', size: 5, etag: '"v1"' } })).get('/files/n/download').buffer(true).parse(binary);
    expect(res.headers['content-length']).toBe('11');
    expect((res.body as Buffer).toString()).toBe('hello notes');
  });

  test('with a stat + read adapter, a stale record size sends exactly that many bytes', async () => {
    const storage: StorageAdapter = { stat: async () => ({ size: 11 }), read: async (_key, range) => Readable.from([Buffer.from('hello notes').subarray(range?.start ?? 0, (range?.end ?? 10) + 1)]) };
    const app = appWith('/f', serveDownload({ storage, findFile: (id) => ({ id, key: 'k.txt', size: 5, etag: '"v1"' }), ...withAuth }));
    const res = await request(app).get('/f/x/download').buffer(true).parse(binary);
    expect(res.headers['content-length']).toBe('5');
    expect((res.body as Buffer).toString()).toBe('hello');
  });

  test('a storage that returns more than asked is cut at the announced length', async () => {
    const storage: StorageAdapter = { stat: async () => ({ size: 4 }), read: async () => Readable.from([Buffer.from('abcdefgh')]) };
    const app = appWith('/f', serveDownload({ storage, findFile: (id) => ({ id, key: 'k' }), ...withAuth }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    // Two requests on one keep-alive socket: extra bytes would be read as the second response.
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = require('node:net').connect(port, '127.0.0.1');
      let data = '';
      socket.on('data', (chunk: Buffer) => { data += chunk.toString('latin1'); });
      socket.on('error', reject);
      socket.write('GET /f/x/download HTTP/1.1\r\nHost: a\r\n\r\nGET /f/x/download HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
      socket.on('end', () => resolve(data));
    });
    server.close();
    const responses = raw.split('HTTP/1.1 ').filter(Boolean);
    expect(responses).toHaveLength(2);
    for (const response of responses) expect(response.endsWith('\r\n\r\nabcd')).toBe(true);
  });

  test('fewer bytes than announced breaks the connection instead of ending short', async () => {
    const storage: StorageAdapter = { stat: async () => ({ size: 100 }), read: async () => Readable.from([Buffer.from('short')]) };
    const app = appWith('/f', serveDownload({ storage, findFile: (id) => ({ id, key: 'k' }), ...withAuth }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    // The connection is reset: the client sees an error, before or after the headers, never a complete body.
    const outcome = await new Promise<string>((resolve) => {
      httpGet(`http://127.0.0.1:${(server.address() as AddressInfo).port}/f/x/download`, (res: IncomingMessage) => {
        res.resume();
        res.on('end', () => resolve(res.complete ? 'complete' : 'incomplete'));
        res.on('aborted', () => resolve('aborted'));
        res.on('error', () => resolve('error'));
      }).on('error', () => resolve('error'));
    });
    server.close();
    expect(outcome).not.toBe('complete');
  });
});

describe('4. fsStorage checks the descriptor it opened, not the path', () => {
  test('a directory swapped for a symlink out of root while serving never yields outside bytes', async () => {
    const outer = tempFiles({ 'root/d/file.txt': 'inside', 'outside/file.txt': 'OUTSIDE' });
    const root = join(outer.root, 'root');
    // No open-file cache: every read must open through the swapped path.
    const storage = fsStorage({ root, openFileCache: false });
    // The swap loop runs in its own thread so it interleaves with the adapter's system calls.
    const worker = new Worker(`
      const { renameSync, symlinkSync, unlinkSync } = require('node:fs');
      const { workerData: { root, outside } } = require('node:worker_threads');
      const d = root + '/d', parked = root + '/d-real';
      const until = Date.now() + 20000;
      for (;;) {
        try { renameSync(d, parked); symlinkSync(outside, d); unlinkSync(d); renameSync(parked, d); } catch {}
        if (Date.now() > until) break;
      }`, { eval: true, workerData: { root, outside: join(outer.root, 'outside') } });
    let outside = 0;
    let inside = 0;
    try {
      for (let i = 0; i < 4000; i++) {
        try {
          const object = await storage.open('d/file.txt', { body: true });
          if (object === null) continue;
          const text = (await readRange(object, { start: 0, end: object.size - 1 })).toString();
          object.close();
          if (text === 'OUTSIDE') outside++;
          else if (text === 'inside') inside++;
        } catch {
          // Not found while the directory is parked: the expected refusal.
        }
      }
    } finally {
      await worker.terminate();
      outer.cleanup();
    }
    expect(outside).toBe(0);
    expect(inside).toBeGreaterThan(0);
  }, 60_000);
});

describe('5. every hook may be async, and a rejecting one is a clean answer', () => {
  const records = { n: { id: 'n', key: 'notes.txt' } };

  test('an async formatError that rejects does not crash the process', async () => {
    const app = fsApp(records, { formatError: async () => Promise.reject(new Error('envelope service down')) });
    const res = await request(app).get('/files/missing/download');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'Internal server error.', status: 500 } });
  });

  test('an async formatError that resolves is used', async () => {
    const res = await request(fsApp(records, { formatError: async (error) => ({ status: 437, body: { message: error.code } }) })).get('/files/missing/download');
    expect(res.status).toBe(437);
    expect(res.body).toEqual({ message: 'FILE_NOT_FOUND' });
  });

  test('async fileId and disposition hooks are awaited', async () => {
    const res = await request(fsApp(records, { fileId: async () => 'n', disposition: async () => 'attachment' as const })).get('/files/whatever/download');
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename=notes.txt');
  });

  test('async formatResponse and downloadUrl are awaited', async () => {
    const storage = memoryStorage().put('n.txt', 'x');
    const app = appWith('/f', issueDownloadUrl({
      storage, signer, findFile: (id) => ({ id, key: 'n.txt' }), ...withAuth,
      downloadUrl: async (_req, file) => `/f/${file.id}/content`,
      formatResponse: async (body) => ({ url: body.download_url }),
    }), serveSignedDownload({ storage, signer, findFile: (id) => ({ id, key: 'n.txt' }) }));
    const res = await request(app).get('/f/n/download-url');
    expect(res.status).toBe(200);
    expect(res.body.url).toMatch(/\/f\/n\/content\?token=/);
    expect((await request(app).get(new URL(res.body.url).pathname + new URL(res.body.url).search)).text).toBe('x');
  });

  test('an async formatResponse in JSON mode is awaited', async () => {
    const res = await request(fsApp(records, { json: { maxBytes: 100 }, formatResponse: async (body) => ({ b64: body.data }) }))
      .get('/files/n/download').set('Accept', 'application/json');
    expect(res.body).toEqual({ b64: Buffer.from('hello notes').toString('base64') });
  });
});

describe('6. any falsy principal is 401', () => {
  test.each([[''], [0], [Number.NaN], [false], [null], [undefined]])('authenticate returning %p', async (principal) => {
    const res = await request(fsApp({ n: { id: 'n', key: 'notes.txt' } }, { authenticate: () => principal })).get('/files/n/download');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
  });
});

describe('7. only regular files are opened, and opening never blocks', () => {
  test('a FIFO inside root (record with size and validator) is 404 and the process keeps serving', async () => {
    const fifo = join(files.root, 'pipe.bin');
    execFileSync('mkfifo', [fifo]);
    try {
      const app = fsApp({ p: { id: 'p', key: 'pipe.bin', size: 10, etag: '"x"' }, n: { id: 'n', key: 'notes.txt' } });
      const results = await Promise.all(Array.from({ length: 8 }, () => request(app).get('/files/p/download')));
      expect(results.map((res) => res.status)).toEqual(Array(8).fill(404));
      expect((await request(app).get('/files/n/download')).text).toBe('hello notes');
    } finally {
      unlinkSync(fifo);
    }
  }, 15_000);

  test('a directory is 404', async () => {
    expect((await request(fsApp({ d: { id: 'd', key: 'dir', size: 1, etag: '"x"' } })).get('/files/d/download')).status).toBe(404);
  });
});

describe('8. a header Node refuses is caught before opening, with nothing leaked', () => {
  test.each([
    ['a CR/LF in a record contentType', { contentType: 'text/plain\r\nX-Injected: 1' }, {}],
    ['a CR/LF in a record etag', { etag: '"a"\r\nX-Injected: 1', size: 11 }, {}],
    ['a non-Latin-1 value from the headers hook', {}, { headers: () => ({ 'X-Name': 'naïve ☃' }) }],
  ])('%s', async (_name, record, extra) => {
    const app = fsApp({ n: { id: 'n', key: 'notes.txt', ...record } }, extra as Partial<ServeDownloadOptions>);
    const before = openFds();
    for (let i = 0; i < 20; i++) {
      const res = await request(app).get('/files/n/download');
      if (res.status === 200) {
        // Only the record's content type may be replaced by a safe one; nothing injected either way.
        expect(res.headers['x-injected']).toBeUndefined();
        continue;
      }
      expect(res.status).toBe(500);
      expect(res.body.error.code).toBe('INTERNAL_ERROR');
      expect(res.headers['content-disposition']).toBeUndefined();
      expect(res.headers['etag']).toBeUndefined();
      expect(res.headers['x-injected']).toBeUndefined();
    }
    // A served file's descriptor is closed just after the response ends.
    const deadline = Date.now() + 2000;
    while (openFds() > before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(openFds()).toBeLessThanOrEqual(before);
  });
});

describe('9. X-Forwarded-Proto is only http or https', () => {
  test.each(['https://evil.example#', 'javascript:', 'ftp', 'http s'])('%j is refused with 422', async (proto) => {
    const storage = memoryStorage().put('n', 'x');
    const app = express();
    app.set('trust proxy', 'loopback');
    app.use('/f', issueDownloadUrl({ storage, signer, findFile: (id) => ({ id, key: 'n' }), ...withAuth }));
    const res = await request(app).get('/f/n/download-url').set('X-Forwarded-Proto', proto);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { parameter: 'X-Forwarded-Proto', in: 'header' } });
  });
});

describe('10. locked fails closed', () => {
  test.each([[true], [1], ['true'], ['1'], ['yes'], ['false'], [{}]])('locked: %p is 423', async (locked) => {
    const res = await request(fsApp({ n: { id: 'n', key: 'notes.txt', locked: locked as boolean } })).get('/files/n/download');
    expect(res.status).toBe(423);
  });

  test.each([[false], [0], [null], [undefined]])('locked: %p serves', async (locked) => {
    const res = await request(fsApp({ n: { id: 'n', key: 'notes.txt', locked: locked as boolean } })).get('/files/n/download');
    expect(res.status).toBe(200);
  });
});

describe('11. a wildcard never admits a type on the never-inline list', () => {
  test('inlineTypes image/* keeps SVG an attachment; listing it exactly allows it', async () => {
    const records = { s: { id: 's', key: 'image.svg' } };
    const wild = await request(fsApp(records, { inlineTypes: ['image/*'] })).get('/files/s/download');
    expect(wild.headers['content-disposition']).toBe('attachment; filename=image.svg');
    const exact = await request(fsApp(records, { inlineTypes: ['image/svg+xml'] })).get('/files/s/download');
    expect(exact.headers['content-disposition']).toBe('inline; filename=image.svg');
  });

  test('*/* and text/* keep HTML, XML and scripts attachments', async () => {
    const storage = memoryStorage().put('a', '<x/>');
    for (const type of ['text/html', 'application/xhtml+xml', 'text/xml', 'application/rss+xml', 'text/javascript', 'multipart/x-mixed-replace; boundary=a']) {
      const app = appWith('/f', serveDownload({ storage, findFile: (id) => ({ id, key: 'a', contentType: type }), inlineTypes: ['*/*', 'text/*'], ...withAuth }));
      expect((await request(app).get('/f/x/download').buffer(true).parse(binary)).headers['content-disposition']).toBe('attachment; filename=a');
    }
  });
});

describe('also', () => {
  async function signedApp(extra: Partial<SharedOptions> = {}) {
    const storage = memoryStorage().put('n', 'bytes');
    const downloads = createDownloads({ storage, signer, findFile: (id) => ({ id, key: 'n', tenant: 'acme' }), ...withAuth, tenant: () => 'acme', ...extra });
    const app = express();
    app.use('/f', downloads.issueDownloadUrl(), downloads.serveSignedDownload());
    const issued = await request(app).get('/f/n/download-url');
    const url = new URL(issued.body.download_url);
    return { app, token: url.searchParams.get('token')!, expires: url.searchParams.get('expires')! };
  }

  test('one token, one URL: padding, spaces and unused bits in the signature are refused', async () => {
    const { app, token, expires } = await signedApp();
    const last = token.slice(-1);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // HS256 signatures are 32 bytes: 43 characters whose last one carries 4 unused bits.
    const sibling = alphabet[(alphabet.indexOf(last) & ~15) | ((alphabet.indexOf(last) + 1) & 15)]!;
    for (const variant of [`${token}=`, `${token}==`, `${token}%20`, `${token.slice(0, -1)}${sibling}`]) {
      const res = await request(app).get(`/f/n/content?token=${variant}&expires=${expires}`);
      expect([variant, res.status]).toEqual([variant, 401]);
    }
    expect((await request(app).get(`/f/n/content?token=${token}&expires=${expires}`)).status).toBe(200);
  });

  test('a Host port above 65535 is 422, not 500', async () => {
    const { app } = await signedApp();
    const res = await request(app).get('/f/n/download-url').set('Host', 'example.com:99999');
    expect(res.status).toBe(422);
  });

  test('a negative, fractional or NaN record size and a malformed lastModified are a clean 500 naming the field', async () => {
    for (const record of [{ size: -1, etag: '"a"' }, { size: Number.NaN, etag: '"a"' }, { size: 1.5, etag: '"a"' }, { lastModified: 'yesterday' }]) {
      let cause: unknown;
      const app = fsApp({ n: { id: 'n', key: 'notes.txt', ...(record as object) } }, { onEvent: (event) => { if (event.type === 'failed') cause = event.error.cause; } });
      const res = await request(app).get('/files/n/download');
      expect(res.status).toBe(500);
      expect(res.body.error.code).toBe('INTERNAL_ERROR');
      expect(String(cause)).toMatch(/findFile returned a record whose (size|lastModified)/);
    }
  });

  test('a lastModified string or number that is a date is accepted', async () => {
    const res = await request(fsApp({ n: { id: 'n', key: 'notes.txt', lastModified: '2026-01-02T03:04:05Z' as unknown as Date } })).get('/files/n/download');
    expect(res.headers['last-modified']).toBe('Fri, 02 Jan 2026 03:04:05 GMT');
  });

  test('a 300-character key segment is 404, not 500', async () => {
    const res = await request(fsApp({ n: { id: 'n', key: `${'a'.repeat(300)}.txt` } })).get('/files/n/download');
    expect(res.status).toBe(404);
  });

  test('the signed route checks the token before calling host code', async () => {
    const called: string[] = [];
    const { app, expires } = await signedApp({
      tenant: () => { called.push('tenant'); return 'acme'; },
      fileId: (req) => { called.push('fileId'); return req.params.fileId; },
    });
    called.length = 0;
    expect((await request(app).get(`/f/n/content?token=forged.token.value&expires=${expires}`)).status).toBe(401);
    expect((await request(app).get(`/f/${'x'.repeat(5000)}/content?token=a.b.c&expires=1`)).status).toBe(401);
    expect(called).toEqual([]);
  });

  test('HEAD in JSON mode does not read the file', async () => {
    let reads = 0;
    const storage: StorageAdapter = { stat: async () => ({ size: 5, etag: '"e"' }), read: async () => { reads++; return Readable.from([Buffer.from('12345')]); } };
    const app = appWith('/f', serveDownload({ storage, findFile: (id) => ({ id, key: 'k' }), json: { maxBytes: 100 }, ...withAuth }));
    const res = await request(app).head('/f/x/download').set('Accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(reads).toBe(0);
  });

  test('JSON answers encode at most maxBufferedBytes at once; the rest wait their turn', async () => {
    let active = 0;
    let peak = 0;
    const storage: StorageAdapter = {
      stat: async () => ({ size: 1000, etag: '"e"' }),
      read: async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 20));
        active--;
        return Readable.from([Buffer.alloc(1000, 1)]);
      },
    };
    const app = appWith('/f', serveDownload({ storage, findFile: (id) => ({ id, key: 'k' }), json: { maxBytes: 1000, maxBufferedBytes: 2000 }, ...withAuth }));
    const results = await Promise.all(Array.from({ length: 10 }, () => request(app).get('/f/x/download').set('Accept', 'application/json')));
    expect(results.every((res) => res.status === 200 && res.body.size === 1000)).toBe(true);
    expect(peak).toBe(2);
  });

  test.each([
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\report.pdf', 'report.pdf'],
    ['dir/name\u0000.txt', 'name.txt'],
  ])('a record filename %j is sent as its last segment %j', async (filename, sent) => {
    const res = await request(fsApp({ n: { id: 'n', key: 'notes.txt', filename } })).get('/files/n/download');
    expect(res.headers['content-disposition']).toBe(`inline; filename=${sent}`);
  });

  test('dotfiles are refused as express.static does, unless fsStorage allows them', async () => {
    const records = { env: { id: 'env', key: '.env' }, hidden: { id: 'hidden', key: 'dir/.hidden' } };
    expect((await request(fsApp(records)).get('/files/env/download')).status).toBe(404);
    expect((await request(fsApp(records)).get('/files/hidden/download')).status).toBe(404);
    const allowing = appWith('/files', serveDownload({ storage: fsStorage({ root: files.root, dotfiles: 'allow' }), findFile: (id) => records[id as 'env'] ?? null, ...withAuth }));
    expect(String((await request(allowing).get('/files/env/download').buffer(true).parse(binary)).body)).toBe('SECRET=1');
  });

  test('served bytes carry Content-Security-Policy: sandbox (inline PDFs excepted, which Chromium would refuse to render)', async () => {
    const storage = memoryStorage().put('a.txt', 'x').put('b.pdf', '%PDF');
    const app = appWith('/f', serveDownload({ storage, findFile: (id) => ({ id, key: id }), ...withAuth }));
    expect((await request(app).get('/f/a.txt/download')).headers['content-security-policy']).toBe('sandbox');
    expect((await request(app).get('/f/b.pdf/download')).headers['content-security-policy']).toBeUndefined();
  });
});

// Found by the second, black-box attack on a running host.
describe('found by the second attack', () => {
  const big = tempFiles({ 'video.mp4': Buffer.alloc(3 * 1024 * 1024, 1), 'notes.txt': 'hello notes' });
  afterAll(big.cleanup);

  test('a client that leaves before the response starts leaks no descriptor, even pipelined', async () => {
    const app = appWith('/f', serveDownload({ storage: fsStorage({ root: big.root }), findFile: (id) => ({ id, key: id }), ...withAuth }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const { connect } = await import('node:net');
    const before = openFds();
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write('GET /f/video.mp4/download HTTP/1.1\r\nHost: a\r\n\r\n'.repeat(i % 2 === 0 ? 1 : 10));
          setImmediate(() => socket.destroy());
        });
        socket.on('close', () => resolve());
        socket.on('error', () => undefined);
      });
    }
    const deadline = Date.now() + 3000;
    while (openFds() > before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    server.close();
    expect(openFds()).toBeLessThanOrEqual(before);
  });

  test('an invalid percent-escape in a route parameter is 422 in the envelope, never a stack trace', async () => {
    const app = appWith('/orgs/:orgId/f', serveDownload({ storage: fsStorage({ root: big.root }), findFile: (id) => ({ id, key: id }), ...withAuth }));
    // (A bad escape in the host's own mount path, `/orgs/%ff/…`, is decoded by the host's router before ours runs.)
    for (const path of ['/orgs/acme/f/%C0%AE/download', '/orgs/acme/f/%ff/download', '/orgs/acme/f/a%/download']) {
      const res = await request(app).get(path);
      expect([path, res.status]).toEqual([path, 422]);
      expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { in: 'path', reason: 'malformed_encoding' } });
      expect(res.text).not.toMatch(/URIError|node_modules|at /);
    }
  });

  test('an error from the host before the router is not answered by the router', async () => {
    const server = express();
    server.use((_req, _res, next) => next(Object.assign(new URIError('host error'), { status: 400 })));
    server.use('/f', serveDownload({ storage: fsStorage({ root: big.root }), findFile: (id) => ({ id, key: id }), ...withAuth }));
    server.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => { res.status(418).send(error.message); });
    const res = await request(server).get('/f/notes.txt/download');
    expect(res.status).toBe(418);
    expect(res.text).toBe('host error');
  });

  test.each(['a.1', '1.2.3.4.5', 'a.08', 'x.0', '999999999999', '[::1::]', '[1:2:3:4:5:6:7:8:9]'])('Host %j that no URL can hold is 422', async (host) => {
    const storage = memoryStorage().put('n', 'x');
    const app = appWith('/f', issueDownloadUrl({ storage, signer, findFile: (id) => ({ id, key: 'n' }), ...withAuth }));
    const res = await request(app).get('/f/n/download-url').set('Host', host);
    expect(res.status).toBe(422);
    expect(res.body.error.details).toMatchObject({ parameter: 'Host', in: 'header' });
  });

  test('X-Forwarded-Proto is compared without case', async () => {
    const storage = memoryStorage().put('n', 'x');
    const app = express();
    app.set('trust proxy', 'loopback');
    app.use('/f', issueDownloadUrl({ storage, signer, findFile: (id) => ({ id, key: 'n' }), ...withAuth }));
    const res = await request(app).get('/f/n/download-url').set('X-Forwarded-Proto', 'HTTPS');
    expect(new URL(res.body.download_url).protocol).toBe('https:');
  });

  test.each([['\ud800'], ['a\udfffb']])('a file id with a lone surrogate (%j) is 422', async (id) => {
    const storage = memoryStorage().put('n', 'x');
    const app = appWith('/f', issueDownloadUrl({ storage, signer, method: 'POST', findFile: (fileId) => ({ id: fileId, key: 'n' }), ...withAuth }));
    const res = await request(app).post('/f/download-url').set('Content-Type', 'application/json').send(`{"fileId":${JSON.stringify(id).replace(/[\ud800-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)}}`);
    expect(res.status).toBe(422);
    expect(res.body.error.details).toMatchObject({ parameter: 'fileId', reason: 'malformed' });
  });

  test.each([[1e400], [1.5], [-1], [2 ** 60]])('a numeric file id %p that is not a safe non-negative integer is 422', async (id) => {
    const storage = memoryStorage().put('n', 'x');
    const app = appWith('/f', issueDownloadUrl({ storage, signer, method: 'POST', findFile: (fileId) => ({ id: fileId, key: 'n' }), ...withAuth }));
    const res = await request(app).post('/f/download-url').set('Content-Type', 'application/json').send(`{"fileId":${id === 1e400 ? '1e400' : String(id)}}`);
    expect(res.status).toBe(422);
    expect(res.body.error.details).toMatchObject({ parameter: 'fileId' });
  });

  test('a JSON body over 16 kB is 422 with reason too_large', async () => {
    const storage = memoryStorage().put('n', 'x');
    const app = appWith('/f', issueDownloadUrl({ storage, signer, method: 'POST', findFile: (fileId) => ({ id: fileId, key: 'n' }), ...withAuth }));
    const res = await request(app).post('/f/download-url').set('Content-Type', 'application/json').send(JSON.stringify({ fileId: 'n', pad: 'x'.repeat(20_000) }));
    expect(res.status).toBe(422);
    expect(res.body.error.details).toMatchObject({ parameter: 'body', reason: 'too_large' });
  });

  test.each(['APPLICATION/JSON', 'application/json;charset=utf-8', 'application/json; q=0.9, image/*;q=0.1'])('Accept %j selects JSON mode', async (accept) => {
    const res = await request(fsApp({ n: { id: 'n', key: 'notes.txt' } }, { json: { maxBytes: 100 } })).get('/files/n/download').set('Accept', accept);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body.data).toBe(Buffer.from('hello notes').toString('base64'));
  });

  test('a suffix range longer than the file is the whole file as 206 (RFC 9110 §14.1.2)', async () => {
    const res = await request(fsApp({ n: { id: 'n', key: 'notes.txt' } })).get('/files/n/download').set('Range', 'bytes=-100').buffer(true).parse(binary);
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe('bytes 0-10/11');
    expect(String(res.body)).toBe('hello notes');
  });
});
