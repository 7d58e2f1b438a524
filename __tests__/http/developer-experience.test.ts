// Issue 9: errors for Express's error middleware, host error codes, audit-grade
// events, start-up validation and causes for wrong hook results.
import express from 'express';
import helmet from 'helmet';
import request from 'supertest';
import {
  createDownloads, DownloadError, fsStorage, issueDownloadUrl, memoryStorage, serveDownload, serveSignedDownload,
  type DownloadEvent, type FileRecord,
} from '../../lib';
import { signer, tempFiles } from '../helpers/app';

const storage = memoryStorage().put('a.txt', 'hello').put('big.bin', Buffer.alloc(300_000, 1));
interface Doc extends FileRecord { ownerId: string }
interface User { id: string; plan: 'free' | 'pro' }
const docs: Record<string, Doc> = { a: { id: 'a', key: 'a.txt', ownerId: 'u1' }, big: { id: 'big', key: 'big.bin', ownerId: 'u1' } };
const users: Record<string, User> = { k1: { id: 'u1', plan: 'free' } };

function host(extra: Partial<Parameters<typeof createDownloads<User, Doc>>[0]> = {}) {
  const events: DownloadEvent<User, Doc>[] = [];
  const downloads = createDownloads({
    storage, signer,
    findFile: (id) => (Object.hasOwn(docs, id) ? docs[id]! : null),
    authenticate: (req) => users[req.get('x-api-key') ?? ''] ?? null,
    authorize: (_req, file, user) => file.ownerId === user.id,
    subject: (user) => user.id,
    onEvent: (event) => { events.push(event); },
    ...extra,
  });
  const app = express();
  app.use('/f', downloads.issueDownloadUrl(), downloads.serveSignedDownload(), downloads.serveDownload());
  return { app, events };
}

describe("errors: 'next' hands the DownloadError to Express's error middleware", () => {
  test('the central handler writes the envelope once, with the error\'s code and status', async () => {
    const { app } = host({ errors: 'next' });
    app.use((error: DownloadError, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(error.status).json({ mine: error.code });
    });
    const res = await request(app).get('/f/missing/download').set('X-API-Key', 'k1');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ mine: 'FILE_NOT_FOUND' });
  });

  test('without an error middleware, Express answers with the status', async () => {
    const { app } = host({ errors: 'next' });
    expect((await request(app).get('/f/a/download')).status).toBe(401);
  });
});

describe('a hook may throw a DownloadError with a code of its own', () => {
  test('QUOTA_EXCEEDED 429 reaches the client and the events', async () => {
    const { app, events } = host({
      authorize: (_req, _file, user) => {
        if (user.plan === 'free') throw new DownloadError('QUOTA_EXCEEDED', 'Monthly download quota reached.', { status: 429, details: { limit: 100 } });
        return true;
      },
    });
    const res = await request(app).get('/f/a/download').set('X-API-Key', 'k1');
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ error: { code: 'QUOTA_EXCEEDED', message: 'Monthly download quota reached.', status: 429, details: { limit: 100 } } });
    expect(events.at(-1)).toMatchObject({ type: 'denied', status: 429, error: { code: 'QUOTA_EXCEEDED' } });
  });

  test('a code of its own needs a status, in range', () => {
    expect(() => new DownloadError('QUOTA_EXCEEDED')).toThrow(/needs \{ status \}/);
    expect(() => new DownloadError('QUOTA_EXCEEDED', 'x', { status: 200 })).toThrow(/400 to 599/);
    expect(() => new DownloadError('bad code!', 'x', { status: 400 })).toThrow(/must be a name/);
    expect(new DownloadError('FILE_NOT_FOUND', undefined, { status: 410 }).status).toBe(410);
  });
});

describe('audit-grade events', () => {
  test('every event carries the principal and the file once known; the signed download reports the verified claims and sub', async () => {
    const { app, events } = host();
    const issued = await request(app).get('/f/a/download-url').set('X-API-Key', 'k1');
    const url = new URL(issued.body.download_url);
    expect((await request(app).get(url.pathname + url.search)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [issue, served] = events;
    expect(issue).toMatchObject({ type: 'issued', fileId: 'a', principal: { id: 'u1' }, file: { ownerId: 'u1' }, subject: 'u1' });
    expect(served).toMatchObject({ type: 'served', signed: true, fileId: 'a', file: { ownerId: 'u1' }, aborted: false, offloaded: false });
    expect(served?.type === 'served' && served.claims).toMatchObject({ fileId: 'a', subject: 'u1', scope: '/f/a/content' });
  });

  test('denied carries the file id and principal it knew; a 5xx is a failed event', async () => {
    const { app, events } = host({ findFile: (id) => { if (id === 'boom') throw new Error('db down'); return Object.hasOwn(docs, id) ? docs[id]! : null; } });
    await request(app).get('/f/missing/download').set('X-API-Key', 'k1');
    await request(app).get('/f/boom/download').set('X-API-Key', 'k1');
    expect(events[0]).toMatchObject({ type: 'denied', fileId: 'missing', principal: { id: 'u1' }, status: 404 });
    expect(events[1]).toMatchObject({ type: 'failed', fileId: 'boom', status: 500, error: { code: 'INTERNAL_ERROR' } });
    expect(String((events[1] as { error: DownloadError }).error.cause)).toContain('db down');
  });

  test('60 complete downloads, closed promptly by the client, are all reported complete', async () => {
    const { app, events } = host();
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    for (let i = 0; i < 60; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/f/${i % 2 ? 'a' : 'big'}/download`, { headers: { 'X-API-Key': 'k1', Connection: 'close' } });
      await res.arrayBuffer();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    server.close();
    const served = events.filter((event) => event.type === 'served');
    expect(served).toHaveLength(60);
    expect(served.filter((event) => event.type === 'served' && event.aborted)).toHaveLength(0);
  });
});

describe('wrong hook results get a cause naming the hook, and the documented answer', () => {
  async function causeOf(extra: Parameters<typeof host>[0], path = '/f/a/download') {
    const { app, events } = host(extra);
    const res = await request(app).get(path).set('X-API-Key', 'k1');
    const last = events.at(-1) as { error?: DownloadError } | undefined;
    return { status: res.status, body: res.body, cause: String(last?.error?.cause), headers: res.headers };
  }

  test.each([
    ['tenant returning a number', { tenant: () => 42 }, '/f/a/download', 404, /tenant returned 42; only a non-empty string names a tenant/],
    ['findFile returning a string', { findFile: () => 'a.txt' as never }, '/f/a/download', 500, /findFile returned "a.txt"; expected a FileRecord object/],
    ['authorize returning "yes"', { authorize: () => 'yes' as never }, '/f/a/download', 403, /authorize returned "yes"; only true allows/],
    ['formatError without a body', { formatError: () => ({ status: 404 }) as never }, '/f/missing/download', 500, /formatError returned \{"status":404\}; expected \{ status\?, body, headers\? \}/],
    ['headers with an undefined value', { headers: () => ({ 'X-A': undefined }) as never }, '/f/a/download', 500, /headers returned \{"X-A":"\(undefined\)"\}; expected a string, number or string array for X-A/],
  ])('%s', async (_name, extra, path, status, cause) => {
    const answer = await causeOf(extra as Parameters<typeof host>[0], path);
    expect(answer.status).toBe(status);
    expect(answer.cause).toMatch(cause);
    expect(answer.headers['content-disposition']).toBeUndefined();
    expect(answer.headers['etag']).toBeUndefined();
  });
});

describe('start-up validation names the real cause', () => {
  const base = { storage, findFile: () => null, authorize: () => true };
  test.each([
    ['a path without :fileId', () => serveDownload({ ...base, path: '/download/:id' }), /has no :fileId parameter.*fileId: \(req\)/],
    ['a storage without read', () => serveDownload({ ...base, storage: { stat: async () => null } as never }), /must implement open\(key, options\), or both stat\(key\) and read\(key, range\); it has stat/],
    ['expiresIn as a string', () => issueDownloadUrl({ ...base, signer, expiresIn: '3600' as never }), /`expiresIn` must be an integer number of seconds from 1 to 86400, got the string "3600"/],
    ['authorize: true', () => serveDownload({ ...base, authorize: true as never }), /`authorize` must be a function, got boolean/],
    ['authorize on serveSignedDownload', () => serveSignedDownload({ ...base, signer }), /`authorize` is not used here \(the signed URL is the credential/],
    ['authenticate on serveSignedDownload', () => serveSignedDownload({ storage, signer, findFile: () => null, authenticate: () => ({}) }), /`authenticate` is not used here/],
    ['a relative fsStorage root', () => fsStorage({ root: 'files' }), /root "files" is relative.*absolute path/],
    ['errors: "throw"', () => serveDownload({ ...base, errors: 'throw' as never }), /`errors` must be 'respond'/],
  ])('%s', (_name, make, message) => {
    expect(make).toThrow(message);
  });

  test('shared options a router does not use are fine in createDownloads', () => {
    const downloads = createDownloads({ ...base, signer, authenticate: () => ({}) });
    expect(() => downloads.serveSignedDownload()).not.toThrow();
  });

  test('a path without :fileId is fine with a fileId hook', () => {
    const files = tempFiles({ 'x.txt': 'x' });
    expect(() => serveDownload({ ...base, storage: fsStorage({ root: files.root }), path: '/download/:id', fileId: (req) => req.params.id })).not.toThrow();
    files.cleanup();
  });
});


describe('allowedHosts instead of trusting Host', () => {
  function issuer(extra: Partial<Parameters<typeof issueDownloadUrl>[0]>) {
    return express().use('/f', issueDownloadUrl({ storage, signer, findFile: (id) => ({ id, key: 'a.txt' }), authorize: () => true, ...extra }));
  }

  test('a listed host builds the URL; any other is 422', async () => {
    const app = issuer({ allowedHosts: ['files.example.com', 'localhost:3000'] });
    const ok = await request(app).get('/f/a/download-url').set('Host', 'files.example.com');
    expect(new URL(ok.body.download_url).host).toBe('files.example.com');
    expect((await request(app).get('/f/a/download-url').set('Host', 'LOCALHOST:3000')).status).toBe(200);
    const evil = await request(app).get('/f/a/download-url').set('Host', 'evil.example');
    expect(evil.status).toBe(422);
    expect(evil.body.error.details).toEqual({ parameter: 'Host', in: 'header', reason: 'not_allowed' });
  });

  test('it is refused at start-up when malformed or given with publicBaseUrl', () => {
    expect(() => issuer({ allowedHosts: [] })).toThrow(/non-empty array of hosts/);
    expect(() => issuer({ allowedHosts: ['https://x.example'] })).toThrow(/non-empty array of hosts/);
    expect(() => issuer({ allowedHosts: ['x.example'], publicBaseUrl: 'https://x.example' })).toThrow(/not both/);
  });
});

describe("helmet's Cross-Origin-Resource-Policy, relaxed on the signed route as the README says", () => {
  function withHelmet(relaxed: boolean) {
    const downloads = createDownloads({ storage, signer, findFile: (id) => (Object.hasOwn(docs, id) ? docs[id]! : null), authorize: () => true });
    const app = express().use(helmet());
    app.use('/f', downloads.serveSignedDownload(relaxed ? { headers: () => ({ 'Cross-Origin-Resource-Policy': 'cross-origin' }) } : {}));
    app.use('/f', downloads.issueDownloadUrl(), downloads.serveDownload());
    return app;
  }

  test("helmet alone sends same-origin, which keeps another origin's <img> from loading the file", async () => {
    const app = withHelmet(false);
    const issued = await request(app).get('/f/a/download-url');
    const res = await request(app).get(new URL(issued.body.download_url).pathname + new URL(issued.body.download_url).search);
    expect(res.status).toBe(200);
    expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
  });

  test('the headers hook wins over helmet on the signed route only, and the file is still exact', async () => {
    const app = withHelmet(true);
    const issued = await request(app).get('/f/a/download-url');
    expect(issued.headers['cross-origin-resource-policy']).toBe('same-origin');
    const url = new URL(issued.body.download_url);
    const res = await request(app).get(url.pathname + url.search);
    expect(res.status).toBe(200);
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.text).toBe('hello');
    const direct = await request(app).get('/f/a/download');
    expect(direct.status).toBe(200);
    expect(direct.headers['cross-origin-resource-policy']).toBe('same-origin');
  });
});
