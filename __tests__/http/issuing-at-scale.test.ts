// Issue 11: batch issuing, links outside a request, cache-stable URLs.
import express from 'express';
import request from 'supertest';
import {
  createDownloads, createSigner, issueDownloadUrl, memoryStorage, memoryUseStore, type DownloadEvent, type FileRecord, type IssuedUrlBody,
} from '../../lib';
import { SECRET } from '../helpers/app';

const storage = memoryStorage().put('a.txt', 'alpha').put('b.txt', 'bravo').put('c.txt', 'charlie');
interface Doc extends FileRecord { ownerId: string }
const docs: Record<string, Doc> = {
  a: { id: 'a', key: 'a.txt', tenant: 'acme', ownerId: 'u1' },
  b: { id: 'b', key: 'b.txt', tenant: 'acme', ownerId: 'u1' },
  c: { id: 'c', key: 'c.txt', tenant: 'acme', ownerId: 'u2' },
  other: { id: 'other', key: 'a.txt', tenant: 'globex', ownerId: 'u1' },
  locked: { id: 'locked', key: 'a.txt', tenant: 'acme', ownerId: 'u1', locked: true },
};
let clock = 1_800_000_123_000;
const signer = createSigner({ secret: SECRET, now: () => clock });
const find = (id: string) => (Object.hasOwn(docs, id) ? docs[id]! : null);

function host(extra: Partial<Parameters<typeof createDownloads<{ id: string }, Doc>>[0]> = {}, routerOptions: { stableUrls?: { bucketSeconds: number }; sharedCache?: boolean; maxBatch?: number } = {}) {
  const events: DownloadEvent[] = [];
  const lookups: string[][] = [];
  const downloads = createDownloads({
    storage, signer,
    findFile: (id) => { lookups.push([id]); return find(id); },
    authenticate: (req) => (req.get('x-user') === undefined ? null : { id: req.get('x-user')! }),
    tenant: (req) => req.params.orgId,
    authorize: (_req, file, user) => file.ownerId === user.id,
    onEvent: (event) => { events.push(event as DownloadEvent); },
    ...extra,
  });
  const app = express();
  const { stableUrls, sharedCache, maxBatch } = routerOptions;
  app.use('/orgs/:orgId/files', downloads.serveSignedDownload(sharedCache === undefined ? {} : { sharedCache }));
  app.use('/orgs/:orgId/files',
    downloads.issueDownloadUrl(stableUrls === undefined ? {} : { stableUrls }),
    downloads.issueDownloadUrls({ ...(stableUrls === undefined ? {} : { stableUrls }), ...(maxBatch === undefined ? {} : { maxBatch }) }));
  return { app, events, lookups, downloads };
}

const batch = (app: express.Express, ids: unknown, user = 'u1', query = '') =>
  request(app).post(`/orgs/acme/files/download-urls${query}`).set('X-User', user).send({ file_ids: ids });
const pathOf = (url: string) => { const parsed = new URL(url); return parsed.pathname + parsed.search; };

describe('issueDownloadUrls: many files in one request', () => {
  test('one entry per id, in request order: URLs for the allowed, errors for the rest', async () => {
    const { app, events } = host();
    const res = await batch(app, ['b', 'c', 'missing', 'other', 'locked', 'a', 42, { id: 'a' }, '']);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const entries = res.body.download_urls as Record<string, unknown>[];
    expect(entries.map((entry) => entry.file_id)).toEqual(['b', 'c', 'missing', 'other', 'locked', 'a', '42', null, '']);
    expect(entries.map((entry) => (entry.error as { code?: string } | undefined)?.code ?? 'ok')).toEqual([
      'ok', 'ACCESS_DENIED', 'FILE_NOT_FOUND', 'FILE_NOT_FOUND', 'FILE_LOCKED', 'ok', 'FILE_NOT_FOUND', 'VALIDATION_ERROR', 'FILE_ID_REQUIRED',
    ]);
    expect(entries[1]).toEqual({ file_id: 'c', error: { code: 'ACCESS_DENIED', message: 'You do not have access to this file.', status: 403 } });
    const first = entries[0] as unknown as IssuedUrlBody;
    expect(Object.keys(first).sort()).toEqual(['download_url', 'expires', 'expires_at', 'expires_in', 'file_id', 'filename', 'token']);
    expect(first).toMatchObject({ file_id: 'b', expires_in: 3600, filename: 'b.txt' });
    // Each URL is served by the signed route, with its own file's bytes.
    expect((await request(app).get(pathOf(first.download_url))).text).toBe('bravo');
    expect((await request(app).get(pathOf((entries[5] as unknown as IssuedUrlBody).download_url))).text).toBe('alpha');
    expect(events.filter((event) => event.type === 'issued').map((event) => event.fileId)).toEqual(['b', 'a']);
    expect(events.filter((event) => event.type === 'denied').map((event) => event.fileId)).toEqual(['c', 'missing', 'other', 'locked', '42', undefined, undefined]);
  });

  test('authentication runs once, for the whole batch', async () => {
    let calls = 0;
    const { app } = host({ authenticate: (req) => { calls += 1; return req.get('x-user') === undefined ? null : { id: req.get('x-user')! }; } });
    expect((await batch(app, ['a', 'b', 'c'])).status).toBe(200);
    expect(calls).toBe(1);
    const anonymous = await request(app).post('/orgs/acme/files/download-urls').send({ file_ids: ['a'] });
    expect(anonymous.status).toBe(401);
  });

  test('findFiles: one lookup for the batch (a Map or an array of records)', async () => {
    const asked: string[][] = [];
    for (const answer of ['map', 'array'] as const) {
      const { app, lookups } = host({
        findFiles: (ids) => {
          asked.push(ids);
          const found = ids.map(find).filter((doc): doc is Doc => doc !== null);
          return answer === 'map' ? new Map(found.map((doc) => [doc.id, doc])) : found;
        },
      });
      const res = await batch(app, ['a', 'missing', 'b', 'a']);
      expect(res.body.download_urls.map((entry: { error?: { code: string } }) => entry.error?.code ?? 'ok')).toEqual(['ok', 'FILE_NOT_FOUND', 'ok', 'ok']);
      expect(lookups).toEqual([]);
    }
    expect(asked).toEqual([['a', 'missing', 'b'], ['a', 'missing', 'b']]);
  });

  test('findFiles given to a router that looks up one file is a start-up error', () => {
    expect(() => issueDownloadUrl({ storage, signer, findFile: find, authorize: () => true, findFiles: () => [] })).toThrow(/`findFiles` is not used here \(only issueDownloadUrls looks up many files at once\)/);
    expect(() => createDownloads({ storage, signer, findFile: find, authorize: () => true, findFiles: () => [] }).issueDownloadUrl()).not.toThrow();
  });

  test('bad input is 422 for the request; too many ids is 422 with the limit', async () => {
    const { app } = host({}, { maxBatch: 3 });
    const many = await batch(app, ['a', 'b', 'c', 'a']);
    expect(many.status).toBe(422);
    expect(many.body.error.details).toEqual({ parameter: 'file_ids', in: 'body', reason: 'too_many', max: 3 });
    const notArray = await batch(app, 'a');
    expect(notArray.status).toBe(422);
    expect(notArray.body.error.details).toEqual({ parameter: 'file_ids', in: 'body', reason: 'not_an_array' });
    const broken = await request(app).post('/orgs/acme/files/download-urls').set('X-User', 'u1').set('Content-Type', 'application/json').send('{"file_ids": [');
    expect(broken.status).toBe(422);
    expect((await batch(app, [])).body).toEqual({ download_urls: [] });
    expect((await batch(app, ['a'], 'u1', '?expires_in=0')).status).toBe(422);
  });

  test('a findFile that throws for one id fails that entry with 500, not the batch', async () => {
    const { app, events } = host({ findFile: (id) => { if (id === 'b') throw new Error('db down'); return find(id); } });
    const res = await batch(app, ['a', 'b']);
    expect(res.status).toBe(200);
    expect(res.body.download_urls[1]).toEqual({ file_id: 'b', error: { code: 'INTERNAL_ERROR', message: 'Internal server error.', status: 500 } });
    expect(events.some((event) => event.type === 'failed' && event.fileId === 'b')).toBe(true);
  });
});

describe('signUrl: a link outside a request', () => {
  test('the signed route serves it, and with stableUrls it is the exact URL the router issues', async () => {
    const { app, downloads } = host({}, { stableUrls: { bucketSeconds: 300 } });
    const signed = await downloads.signUrl({ fileId: 'a', tenant: 'acme', baseUrl: 'http://127.0.0.1/orgs/acme/files', disposition: 'inline', stableUrls: { bucketSeconds: 300 } });
    expect(signed.url).toMatch(/^http:\/\/127\.0\.0\.1\/orgs\/acme\/files\/a\/content\?token=[^&]+&expires=\d+$/);
    const res = await request(app).get(pathOf(signed.url));
    expect(res.status).toBe(200);
    expect(res.text).toBe('alpha');
    const issued = await request(app).get('/orgs/acme/files/a/download-url').set({ 'X-User': 'u1', Host: '127.0.0.1' });
    expect(issued.body.download_url).toBe(signed.url);
    expect(issued.body.token).toBe(signed.token);
  });

  test('plain links: served, bound to the tenant and path, and checked at the call', async () => {
    const { app, downloads } = host();
    const signed = await downloads.signUrl({ fileId: 'b', tenant: 'acme', baseUrl: 'https://files.example.com/orgs/acme/files', expiresIn: 60 });
    expect(signed.expires).toBe(Math.floor(clock / 1000) + 60);
    expect((await request(app).get(pathOf(signed.url))).text).toBe('bravo');
    const other = await downloads.signUrl({ fileId: 'b', tenant: 'globex', baseUrl: 'https://files.example.com/orgs/acme/files' });
    expect((await request(app).get(pathOf(other.url))).status).toBe(401);
    await expect(downloads.signUrl({ fileId: '', baseUrl: 'https://x.example/files' })).rejects.toMatchObject({ code: 'FILE_ID_REQUIRED' });
    await expect(downloads.signUrl({ fileId: 'a', baseUrl: '/files' })).rejects.toThrow(/publicBaseUrl|absolute http/);
    await expect(downloads.signUrl({ fileId: 'a', baseUrl: 'https://x.example/files', expiresIn: 999_999 })).rejects.toThrow(/`expiresIn` must be an integer number of seconds from 1 to 86400/);
    await expect(downloads.signUrl({ fileId: 'a', baseUrl: 'https://x.example/files', maxUses: 1 })).rejects.toThrow(/needs a `useStore`/);
    await expect(downloads.signUrl({ fileId: 'a', baseUrl: 'https://x.example/files', expiresIn: 60, ttl: 5 } as never)).rejects.toThrow(/unknown option `ttl`/);
  });
});

describe('stableUrls: the same URL within a bucket', () => {
  beforeEach(() => { clock = 1_800_000_123_000; });

  test('two issues in one bucket give the same URL; in the next bucket another; never shorter than asked', async () => {
    const { app } = host({}, { stableUrls: { bucketSeconds: 300 } });
    const issue = async () => (await request(app).get('/orgs/acme/files/a/download-url?expires_in=600').set('X-User', 'u1')).body as IssuedUrlBody;
    const first = await issue();
    const now = Math.floor(clock / 1000);
    expect(first.expires % 300).toBe(0);
    expect(first.expires - now).toBeGreaterThanOrEqual(600);
    expect(first.expires - now).toBeLessThan(900);
    expect(first.expires_in).toBe(first.expires - now);
    clock += 60_000;
    const second = await issue();
    // supertest listens on a new port per request: the path and query are the link.
    expect(pathOf(second.download_url)).toBe(pathOf(first.download_url));
    clock = (first.expires - 600 + 1) * 1000; // the next bucket's first second
    const third = await issue();
    expect(pathOf(third.download_url)).not.toBe(pathOf(first.download_url));
    expect(third.expires).toBe(first.expires + 300);
    // Different disposition, file or user-chosen lifetime: different URLs.
    clock = 1_800_000_123_000;
    const attachment = (await request(app).get('/orgs/acme/files/a/download-url?expires_in=600&disposition=attachment').set('X-User', 'u1')).body as IssuedUrlBody;
    expect(pathOf(attachment.download_url)).not.toBe(pathOf(first.download_url));
  });

  test('when rounding up would pass maxExpiresIn, the link is exactly as long as asked, and not stable', async () => {
    const { app } = host({ maxExpiresIn: 700 }, { stableUrls: { bucketSeconds: 300 } });
    const issue = async () => (await request(app).get('/orgs/acme/files/a/download-url?expires_in=600').set('X-User', 'u1')).body as IssuedUrlBody;
    const first = await issue();
    clock += 1000;
    const second = await issue();
    // 1_800_000_123 + 600 rounds up to 1_800_000_900: 777 s, past the 700 s allowed.
    expect(first.expires).toBe(Math.floor(1_800_000_123_000 / 1000) + 600);
    expect(first.expires_in).toBe(600);
    expect(pathOf(second.download_url)).not.toBe(pathOf(first.download_url));
  });

  test('a stable jti is derived from what the token binds, so revoking it by jti works', async () => {
    const revoked = new Set<string>();
    const { app, events } = host({ isRevoked: ({ jti }) => jti !== undefined && revoked.has(jti) }, { stableUrls: { bucketSeconds: 300 } });
    const url = ((await request(app).get('/orgs/acme/files/a/download-url').set('X-User', 'u1')).body as IssuedUrlBody).download_url;
    await request(app).get('/orgs/acme/files/a/download-url').set('X-User', 'u1');
    const jtis = events.filter((event) => event.type === 'issued').map((event) => event.type === 'issued' && event.jti);
    expect(jtis[0]).toBe(jtis[1]);
    expect(jtis[0]).toMatch(/^[A-Za-z0-9_-]{22}$/);
    revoked.add(jtis[0] as string);
    expect((await request(app).get(pathOf(url))).status).toBe(401);
  });

  test('maxUses turns stability off for that token: every counted link is its own', async () => {
    const downloads = createDownloads({ storage, signer, findFile: find, authorize: () => true, useStore: memoryUseStore() });
    const counted = express().use('/f', downloads.issueDownloadUrl({ stableUrls: { bucketSeconds: 300 }, maxUses: 1 }));
    const one = (await request(counted).get('/f/a/download-url')).body as IssuedUrlBody;
    const two = (await request(counted).get('/f/a/download-url')).body as IssuedUrlBody;
    expect(one.download_url).not.toBe(two.download_url);
  });

  test('start-up: a bucket of 60 s to a day; ES256 cannot be stable; presigned mode has no stable links', async () => {
    const downloads = createDownloads({ storage, signer, findFile: find, authorize: () => true });
    expect(() => downloads.issueDownloadUrl({ stableUrls: { bucketSeconds: 10 } })).toThrow(/`stableUrls.bucketSeconds` must be an integer number of seconds from 60 to 86400, got 10/);
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const es256 = createDownloads({ storage, signer: createSigner({ keys: [{ kid: 'k', alg: 'ES256', privateKey, publicKey }] }), findFile: find, authorize: () => true });
    expect(() => es256.issueDownloadUrl({ stableUrls: { bucketSeconds: 300 } })).toThrow(/ES256 signatures are randomized/);
    const presigning = createDownloads({ storage: { ...storage, open: storage.open.bind(storage), presign: async () => 'https://s3.example/x' }, findFile: find, authorize: () => true });
    expect(() => presigning.issueDownloadUrl({ mode: 'presigned', stableUrls: { bucketSeconds: 300 } })).toThrow(/`stableUrls` is for signed links/);
  });
});

describe('sharedCache: public caching only when the host says so', () => {
  test('stable links may be cached by a CDN, bounded by the remaining life', async () => {
    const { app } = host({}, { stableUrls: { bucketSeconds: 300 }, sharedCache: true });
    const issued = (await request(app).get('/orgs/acme/files/a/download-url').set('X-User', 'u1')).body as IssuedUrlBody;
    const res = await request(app).get(pathOf(issued.download_url));
    const remaining = issued.expires - Math.floor(Date.now() / 1000);
    // Browsers revalidate (max-age=0); shared caches keep it no longer than the link lives, and never stale.
    expect(res.headers['cache-control']).toMatch(/^public, max-age=0, s-maxage=\d+, stale-while-revalidate=0, stale-if-error=0$/);
    expect(Number(/s-maxage=(\d+)/.exec(res.headers['cache-control']!)![1])).toBeLessThanOrEqual(Math.max(remaining, 0));
    expect(res.headers['cdn-cache-control']).toBe(res.headers['cache-control']);
  });

  test('without it, and for counted or bound links even with it, answers stay private', async () => {
    const { app } = host();
    const issued = (await request(app).get('/orgs/acme/files/a/download-url').set('X-User', 'u1')).body as IssuedUrlBody;
    const res = await request(app).get(pathOf(issued.download_url));
    expect(res.headers['cache-control']).toMatch(/^private, max-age=\d+$/);
    expect(res.headers['cdn-cache-control']).toBeUndefined();

    const bound = host({ bindTo: (req) => req.get('x-session') }, { sharedCache: true });
    const link = (await request(bound.app).get('/orgs/acme/files/a/download-url').set({ 'X-User': 'u1', 'X-Session': 's1' })).body as IssuedUrlBody;
    const served = await request(bound.app).get(pathOf(link.download_url)).set('X-Session', 's1');
    expect(served.status).toBe(200);
    expect(served.headers['cache-control']).toMatch(/^private, /);
    expect(served.headers['cdn-cache-control']).toBeUndefined();
  });
});
