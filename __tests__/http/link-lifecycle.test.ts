// Issue 10: revocation, N-use links, media grace and holder binding, over real HTTP.
import express from 'express';
import request from 'supertest';
import {
  createDownloads, createSigner, memoryStorage, memoryUseStore, serveSignedDownload,
  type DownloadEvent, type FileRecord, type SharedOptions, type UseStore,
} from '../../lib';
import { binary, pattern, SECRET } from '../helpers/app';

const BODY = pattern(1000);
const storage = memoryStorage().put('a.bin', BODY, { contentType: 'application/octet-stream' });
const T0 = 1_800_000_000; // whole seconds
let clock = T0 * 1000 + 500; // half a second into T0
const signer = createSigner({ secret: SECRET, now: () => clock, clockTolerance: 0 });
let record: FileRecord & { ownerId: string };

beforeEach(() => {
  clock = T0 * 1000 + 500;
  record = { id: 'a', key: 'a.bin', tenant: 'acme', ownerId: 'u1' };
});

type Extra = Partial<SharedOptions<{ id: string }, FileRecord & { ownerId: string }>> & { graceSeconds?: number; maxUses?: number; maxUsesParam?: number };

function host(extra: Extra = {}) {
  const { graceSeconds, maxUses, maxUsesParam, ...shared } = extra;
  const events: DownloadEvent[] = [];
  const downloads = createDownloads({
    storage, signer,
    findFile: (id) => (id === 'a' ? record : null),
    authenticate: (req) => (req.get('x-user') === undefined ? null : { id: req.get('x-user')! }),
    tenant: (req) => req.params.orgId,
    authorize: (_req, file, user) => file.ownerId === user.id,
    onEvent: (event) => { events.push(event as DownloadEvent); },
    ...shared,
  });
  const app = express();
  app.use('/orgs/:orgId/files', downloads.serveSignedDownload(graceSeconds === undefined ? {} : { graceSeconds }));
  app.use('/orgs/:orgId/files', downloads.issueDownloadUrl({ ...(maxUses === undefined ? {} : { maxUses }), ...(maxUsesParam === undefined ? {} : { maxUsesParam }) }));
  return { app, events };
}

async function issue(app: express.Express, query = '', headers: Record<string, string> = {}): Promise<string> {
  const res = await request(app).get(`/orgs/acme/files/a/download-url${query}`).set({ 'X-User': 'u1', ...headers });
  expect(res.status).toBe(200);
  const url = new URL(res.body.download_url as string);
  return url.pathname + url.search;
}

const get = (app: express.Express, path: string, headers: Record<string, string> = {}) =>
  request(app).get(path).set(headers).buffer(true).parse(binary);

/**
 * A counted link's ETag, as a client that received an answer of it would hold it: header-only
 * answers never give it out (issue 15), so the tests compute it as the route does.
 */
async function linkEtagOf(link: string): Promise<string> {
  const token = new URLSearchParams(link.split('?')[1]).get('token')!;
  return signer.linkTag(await signer.verifySignature(token), (await storage.stat('a.bin'))!.etag!);
}

/** The exact answer a forged token gets: every refused link must look the same. */
async function forgedAnswer(app: express.Express, link: string) {
  const forged = link.replace(/token=([^&]*)/, (_m, token: string) => `token=${token.slice(0, -2)}${token.endsWith('A') ? 'B' : 'A'}A`);
  const res = await request(app).get(forged);
  expect(res.status).toBe(401);
  return { status: res.status, type: res.headers['content-type'], body: res.text };
}

async function expectSameAsForged(app: express.Express, link: string, res: request.Response) {
  const forged = await forgedAnswer(app, link);
  expect({ status: res.status, type: res.headers['content-type'], body: Buffer.isBuffer(res.body) ? res.body.toString() : res.text }).toEqual(forged);
  expect(forged.body).toContain('"code":"TOKEN_INVALID"');
}

describe('revocation', () => {
  test.each([
    ['a second before the token was issued', T0 * 1000 - 1, 200],
    ['exactly the start of the second the token was issued in', T0 * 1000, 200],
    ['earlier in the same second, before the token', T0 * 1000 + 400, 401],
    ['later in the same second, after the token (refused: seconds are all a token knows)', T0 * 1000 + 900, 401],
    ['after the token', T0 * 1000 + 5000, 401],
  ])("the record's linksValidAfter %s", async (_name, cutoff, status) => {
    const { app, events } = host();
    const link = await issue(app);
    record.linksValidAfter = new Date(cutoff);
    const res = await get(app, link);
    expect(res.status).toBe(status);
    if (status === 200) expect(res.body).toEqual(BODY);
    else {
      await expectSameAsForged(app, link, res);
      const denied = events.find((event) => event.type === 'denied');
      expect(denied?.type === 'denied' && (denied.error.cause as Error).message).toMatch(/before the file's linksValidAfter/);
    }
  });

  test('a link issued after the revocation (a later second) works', async () => {
    const { app } = host();
    record.linksValidAfter = new Date(clock);
    clock += 1000;
    expect((await get(app, await issue(app))).status).toBe(200);
  });

  test("the tenant's linksValidAfter signs out every link of that tenant, and is asked with the token's tenant", async () => {
    const asked: (string | undefined)[] = [];
    let cutoff: Date | undefined;
    const { app } = host({ linksValidAfter: (tenant) => { asked.push(tenant); return cutoff; } });
    const link = await issue(app);
    expect((await get(app, link)).status).toBe(200);
    cutoff = new Date(clock + 1000);
    const res = await get(app, link);
    expect(res.status).toBe(401);
    await expectSameAsForged(app, link, res);
    expect(asked).toEqual(['acme', 'acme']);
  });

  test('a tenant cut-off that is not a Date is a 500 naming the hook', async () => {
    const { app, events } = host({ linksValidAfter: () => 'yesterday' as unknown as Date });
    const res = await request(app).get(await issue(app));
    expect(res.status).toBe(500);
    const failed = events.find((event) => event.type === 'failed');
    expect(failed?.type === 'failed' && String(failed.error.cause)).toMatch(/linksValidAfter returned "yesterday"; expected a valid Date, or undefined/);
  });

  test('isRevoked sees the jti the issued event reported; true, or anything but false, refuses', async () => {
    const revoked = new Set<string>();
    const seen: unknown[] = [];
    let answer: unknown;
    const { app, events } = host({
      isRevoked: ({ jti, fileId, tenant, issuedAt, req }) => {
        seen.push({ jti, fileId, tenant, issuedAt, path: req.path });
        return (answer ?? (jti !== undefined && revoked.has(jti))) as boolean;
      },
    });
    const link = await issue(app);
    const issued = events.find((event) => event.type === 'issued');
    const jti = issued?.type === 'issued' ? issued.jti : undefined;
    expect(jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect((await get(app, link)).status).toBe(200);
    const served = events.find((event) => event.type === 'served');
    expect(served?.type === 'served' && served.claims?.jti).toBe(jti);
    expect(seen[0]).toEqual({ jti, fileId: 'a', tenant: 'acme', issuedAt: new Date(T0 * 1000), path: '/a/content' });

    revoked.add(jti!);
    const res = await get(app, link);
    await expectSameAsForged(app, link, res);
    revoked.clear();
    answer = 'no';
    expect((await get(app, link)).status).toBe(401);
    const denied = events.filter((event) => event.type === 'denied').pop();
    expect(denied?.type === 'denied' && String(denied.error.cause)).toMatch(/isRevoked returned "no"; only false lets a link through/);
  });

  test('a revoked link to a locked file is the same 401: it tells nothing of the file (third attack round)', async () => {
    const { app } = host({ isRevoked: () => true });
    const link = await issue(app);
    record.locked = true;
    await expectSameAsForged(app, link, await get(app, link));
    record.locked = false;
    delete record.key;
    await expectSameAsForged(app, link, await get(app, link));
  });

  test('a deny-list that throws is a 500, not a download', async () => {
    const { app } = host({ isRevoked: () => { throw new Error('deny-list down'); } });
    const res = await request(app).get(await issue(app));
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('INTERNAL_ERROR');
    expect(res.text).not.toContain('deny-list down');
  });
});

describe('N-use links', () => {
  test('a single-use link downloads once; the next GET is 410 LINK_USED_UP', async () => {
    const { app, events } = host({ useStore: memoryUseStore(), maxUses: 1 });
    const link = await issue(app);
    const first = await get(app, link);
    expect(first.status).toBe(200);
    expect(first.body).toEqual(BODY);
    const second = await get(app, link);
    expect(second.status).toBe(410);
    expect(JSON.parse(second.body.toString())).toEqual({ error: { code: "LINK_USED_UP", status: 410, message: "This download link has been used as many times as it allows." } });
    const served = events.filter((event) => event.type === 'served');
    expect(served.map((event) => event.type === 'served' && event.uses)).toEqual([1]);
    const issued = events.find((event) => event.type === 'issued');
    expect(issued?.type === 'issued' && issued.maxUses).toBe(1);
  });

  test('a 3-use link gives exactly 3 downloads', async () => {
    const { app } = host({ useStore: memoryUseStore(), maxUses: 3 });
    const link = await issue(app);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await get(app, link)).status);
    expect(statuses).toEqual([200, 200, 200, 410, 410]);
  });

  test('HEAD, 304 and 416 deliver no bytes and use nothing', async () => {
    const { app } = host({ useStore: memoryUseStore(), maxUses: 1 });
    const link = await issue(app);
    const head = await request(app).head(link);
    expect(head.status).toBe(200);
    expect(head.headers.etag).toBeUndefined();
    const etag = await linkEtagOf(link);
    expect((await request(app).get(link).set('If-None-Match', etag)).status).toBe(304);
    const unsatisfiable = await request(app).get(link).set('Range', 'bytes=5000-');
    expect(unsatisfiable.status).toBe(416);
    expect(unsatisfiable.headers['content-range']).toBe('bytes */1000');
    expect((await get(app, link)).status).toBe(200);
    expect((await get(app, link)).status).toBe(410);
    // HEAD uses nothing but answers like the GET it stands for.
    const usedUp = await request(app).head(link);
    expect(usedUp.status).toBe(410);
    expect(usedUp.headers.etag).toBeUndefined();
  });

  test('a Range continuing the transfer (If-Range matches) uses nothing; a fresh Range or a stale If-Range is a new download', async () => {
    const { app, events } = host({ useStore: memoryUseStore(), maxUses: 1 });
    const link = await issue(app);
    const start = await get(app, link, { Range: 'bytes=0-99' });
    expect(start.status).toBe(206);
    expect(start.body).toEqual(BODY.subarray(0, 100));
    const etag = start.headers.etag as string;
    for (const range of ['bytes=100-499', 'bytes=500-']) {
      const next = await get(app, link, { Range: range, 'If-Range': etag });
      expect(next.status).toBe(206);
      expect(next.body).toEqual(BODY.subarray(Number(range.slice(6).split('-')[0]), range.endsWith('-') ? 1000 : 500));
    }
    const served = events.filter((event) => event.type === 'served');
    expect(served.map((event) => event.type === 'served' && event.uses)).toEqual([1, undefined, undefined]);
    expect((await get(app, link, { Range: 'bytes=100-' })).status).toBe(410);
    expect((await get(app, link, { Range: 'bytes=100-', 'If-Range': '"another-version"' })).status).toBe(410);
    const lastModified = start.headers['last-modified'] as string;
    expect((await get(app, link, { Range: 'bytes=900-', 'If-Range': lastModified })).status).toBe(410);
  });

  // Found by the second attack round: each of these got the whole file without using the link.
  test.each([
    ['a range from the first byte', { Range: 'bytes=0-' }],
    ['a range the server ignores (answered 200)', { Range: 'bytes=5-1' }],
    ['another unit', { Range: 'items=0-1' }],
    ['several ranges (answered 200)', { Range: 'bytes=0-1,3-4' }],
  ])('a fresh link: %s with a matching If-Range is a download that counts', async (_name, headers) => {
    const { app } = host({ useStore: memoryUseStore(), maxUses: 1 });
    const link = await issue(app);
    const etag = await linkEtagOf(link);
    const first = await get(app, link, { ...headers, 'If-Range': etag });
    expect([200, 206]).toContain(first.status);
    expect((await get(app, link, { ...headers, 'If-Range': etag })).status).toBe(410);
  });

  test('a continuation is free only once the link was downloaded, and only with the exact strong ETag', async () => {
    const { app } = host({ useStore: memoryUseStore(), maxUses: 1 });
    const link = await issue(app);
    const head = await request(app).head(link);
    const etag = await linkEtagOf(link);
    // Never downloaded: a "continuation" is the first download and counts.
    expect((await get(app, link, { Range: 'bytes=10-', 'If-Range': etag })).status).toBe(206);
    expect((await get(app, link, { Range: 'bytes=20-', 'If-Range': etag })).status).toBe(206);
    for (const ifRange of [`"x", ${etag}`, head.headers['last-modified'] as string, `W/${etag}`, '*']) {
      expect((await get(app, link, { Range: 'bytes=30-', 'If-Range': ifRange })).status).toBe(410);
    }
  });

  test('a store that cannot say whether the link was used refuses continuations too (503)', async () => {
    let down = false;
    const store = memoryUseStore();
    const flaky: UseStore = {
      consume: (...args) => (down ? Promise.reject(new Error('down')) : store.consume(...args)),
      uses: (jti) => (down ? Promise.reject(new Error('down')) : store.uses!(jti)),
    };
    const { app } = host({ useStore: flaky, maxUses: 1 });
    const link = await issue(app);
    const first = await get(app, link, { Range: 'bytes=0-9' });
    down = true;
    const res = await get(app, link, { Range: 'bytes=10-', 'If-Range': first.headers.etag as string });
    expect(res.status).toBe(503);
  });

  test('a store without uses() is refused at start-up: used-up answers and continuations need it', () => {
    const store = memoryUseStore();
    expect(() => host({ useStore: { consume: (...args: Parameters<UseStore['consume']>) => store.consume(...args) } as unknown as UseStore, maxUses: 2 }))
      .toThrow(/`useStore` must have consume\(jti, maxUses, expiresAt\) and uses\(jti\)/);
  });

  test('max_uses: refused unless enabled, then 1 to maxUsesParam', async () => {
    const plain = host({ useStore: memoryUseStore(), maxUses: 2 });
    const refused = await request(plain.app).get('/orgs/acme/files/a/download-url?max_uses=1').set('X-User', 'u1');
    expect(refused.status).toBe(422);
    expect(refused.body.error.details).toEqual({ parameter: 'max_uses', in: 'query', reason: 'not_allowed' });

    const { app } = host({ useStore: memoryUseStore(), maxUsesParam: 5 });
    for (const [value, reason] of [['6', 'out_of_range'], ['0', 'out_of_range'], ['two', 'not_an_integer'], ['1.5', 'not_an_integer'], ['2&max_uses=3', 'repeated']]) {
      const res = await request(app).get(`/orgs/acme/files/a/download-url?max_uses=${value}`).set('X-User', 'u1');
      expect(res.status).toBe(422);
      expect(res.body.error.details).toEqual({ parameter: 'max_uses', in: 'query', reason, min: 1, max: 5 });
    }
    const link = await issue(app, '?max_uses=2');
    expect([(await get(app, link)).status, (await get(app, link)).status, (await get(app, link)).status]).toEqual([200, 200, 410]);
    const unlimited = await issue(app);
    for (let i = 0; i < 4; i++) expect((await get(app, unlimited)).status).toBe(200);
  });

  test('a store that fails, or answers nonsense, is 503 and never a download', async () => {
    const failing: UseStore = { consume: () => Promise.reject(new Error('connection refused')), uses: async () => 0 };
    const broken = host({ useStore: failing, maxUses: 1 });
    const res = await get(broken.app, await issue(broken.app));
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body.toString()).error.code).toBe('USE_STORE_UNAVAILABLE');
    const failed = broken.events.find((event) => event.type === 'failed');
    expect(failed?.type === 'failed' && (failed.error.cause as Error).message).toBe('connection refused');

    const nonsense = host({ useStore: { consume: async () => ({ allowed: 'yes', used: 1 }) as never, uses: async () => 0 }, maxUses: 1 });
    expect((await get(nonsense.app, await issue(nonsense.app))).status).toBe(503);
  });

  test('the store is asked with the jti, the limit, and a forget time after every moment the token verifies', async () => {
    const calls: unknown[] = [];
    const store = memoryUseStore();
    const { app } = host({ useStore: { consume: (...args) => { calls.push(args); return store.consume(...args); }, uses: (jti) => store.uses(jti) }, maxUses: 2, graceSeconds: 30 });
    const link = await issue(app);
    await get(app, link);
    const token = new URLSearchParams(link.split('?')[1]).get('token')!;
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { jti: string; exp: number; mu: number };
    expect(payload.mu).toBe(2);
    expect(calls).toEqual([[payload.jti, 2, new Date((payload.exp + 30 + 0 + 1) * 1000), { tenant: 'acme' }]]);
  });

  test('start-up: maxUses needs a useStore and signed mode; limits are integers in range', () => {
    const options = { storage, signer, findFile: () => record, authorize: () => true };
    const downloads = createDownloads(options);
    expect(() => downloads.issueDownloadUrl({ maxUses: 1 })).toThrow(/`maxUses` needs a `useStore` to count uses: pass useStore: memoryUseStore\(\)/);
    const counted = createDownloads({ ...options, useStore: memoryUseStore() });
    expect(() => counted.issueDownloadUrl({ maxUses: 1, mode: 'presigned' })).toThrow(/presigned mode|need mode 'signed'|mode 'presigned' needs/);
    expect(() => counted.issueDownloadUrl({ maxUses: 0 })).toThrow(/`maxUses` must be an integer number of uses from 1 to 1000000, got 0/);
    expect(() => counted.issueDownloadUrl({ maxUses: 6, maxUsesParam: 5 })).toThrow(/from 1 to 5, got 6/);
    expect(() => createDownloads({ ...options, useStore: {} as UseStore })).toThrow(/`useStore` must have consume\(jti, maxUses, expiresAt\)/);
    expect(() => downloads.serveDownload({ useStore: memoryUseStore() } as never)).toThrow(/`useStore` is not used here/);
  });

  test('a counted link served where no store is configured is a 500, never a free download', async () => {
    const { app: issuer } = host({ useStore: memoryUseStore(), maxUses: 1 });
    const link = await issue(issuer);
    const bare = express().use('/orgs/:orgId/files', serveSignedDownload({ storage, signer, findFile: () => record, tenant: (req) => req.params.orgId }));
    const res = await get(bare, link);
    expect(res.status).toBe(500);
  });
});

describe('graceSeconds: media that outlives its link', () => {
  async function expiredLink(graceSeconds: number, extra: Extra = {}) {
    const { app } = host({ graceSeconds, ...extra });
    const link = await issue(app, '?expires_in=60');
    const head = await request(app).head(link);
    clock = (T0 + 60 + 10) * 1000; // ten seconds past expiry
    return { app, link, etag: head.headers.etag as string };
  }

  test('after expiry, a Range whose If-Range matches is still served; anything else is refused like a forgery', async () => {
    const { app, link, etag } = await expiredLink(30);
    const more = await get(app, link, { Range: 'bytes=600-', 'If-Range': etag });
    expect(more.status).toBe(206);
    expect(more.body).toEqual(BODY.subarray(600));
    expect(more.headers['cache-control']).toBe('private, max-age=0');
    const refused: Record<string, string>[] = [{}, { Range: 'bytes=600-' }, { Range: 'bytes=600-', 'If-Range': '"other"' }, { 'If-Range': etag }];
    for (const headers of refused) {
      const res = await get(app, link, headers);
      await expectSameAsForged(app, link, res);
    }
    expect((await request(app).head(link)).status).toBe(401);
  });

  test("after expiry, a revalidation of the client's copy is a 304 (no bytes); a stale copy is refused", async () => {
    const { app, link, etag } = await expiredLink(30);
    const fresh = await request(app).get(link).set({ Range: 'bytes=600-', 'If-None-Match': etag });
    expect(fresh.status).toBe(304);
    expect(fresh.text).toBe('');
    expect((await request(app).get(link).set('If-None-Match', '"stale"')).status).toBe(401);
    // Headers anyone can send without knowing the file: refused like a forgery (they once gave a 304 with the ETag).
    const guesses: Record<string, string>[] = [{ 'If-None-Match': '*' }, { 'If-Modified-Since': 'Fri, 01 Jan 2100 00:00:00 GMT' }];
    for (const headers of guesses) {
      await expectSameAsForged(app, link, await get(app, link, headers));
    }
    const wholeFile: Record<string, string>[] = [{ Range: 'bytes=0-', 'If-Range': etag }, { Range: 'bytes=5-1', 'If-Range': etag }, { Range: 'bytes=0-1,3-4', 'If-Range': etag }];
    for (const headers of wholeFile) {
      expect((await get(app, link, headers)).status).toBe(401);
    }
  });

  test("in the grace period the file's own ETag, which size and time give away, continues nothing: only the link's", async () => {
    const { app, link, etag } = await expiredLink(30);
    const own = (await storage.stat('a.bin'))!.etag!;
    expect(etag).not.toBe(own);
    await expectSameAsForged(app, link, await get(app, link, { Range: 'bytes=600-', 'If-Range': own }));
    await expectSameAsForged(app, link, await get(app, link, { 'If-None-Match': own }));
    expect((await get(app, link, { Range: 'bytes=600-', 'If-Range': etag })).status).toBe(206);
  });

  test('past the grace period nothing is served', async () => {
    const { app, link, etag } = await expiredLink(30);
    clock = (T0 + 60 + 30) * 1000;
    expect((await get(app, link, { Range: 'bytes=600-', 'If-Range': etag })).status).toBe(401);
  });

  test('without graceSeconds an expired link continues nothing', async () => {
    const { app, link, etag } = await expiredLink(0);
    expect((await get(app, link, { Range: 'bytes=600-', 'If-Range': etag })).status).toBe(401);
  });

  test('continuing in the grace period uses nothing of a single-use link', async () => {
    const store = memoryUseStore();
    const { app } = host({ graceSeconds: 30, useStore: store, maxUses: 1 });
    const link = await issue(app, '?expires_in=60');
    const first = await get(app, link, { Range: 'bytes=0-99' });
    expect(first.status).toBe(206);
    clock = (T0 + 65) * 1000;
    expect((await get(app, link, { Range: 'bytes=100-', 'If-Range': first.headers.etag as string })).status).toBe(206);
  });

  test('start-up: at most an hour, a number', () => {
    const downloads = createDownloads({ storage, signer, findFile: () => record });
    expect(() => downloads.serveSignedDownload({ graceSeconds: 3601 })).toThrow(/`graceSeconds` must be an integer number of seconds from 0 to 3600, got 3601/);
    expect(() => downloads.serveSignedDownload({ graceSeconds: '60' as never })).toThrow(/the string "60" \(pass a number\)/);
  });
});

describe('bindTo: holder binding', () => {
  const bindTo = (req: express.Request) => /(?:^|;\s*)sid=([^;]+)/.exec(req.get('cookie') ?? '')?.[1];

  test('the link works only with the session it was issued to; a forwarded one is refused like a forgery', async () => {
    const { app } = host({ bindTo });
    const link = await issue(app, '', { Cookie: 'sid=session-A' });
    const token = new URLSearchParams(link.split('?')[1]).get('token')!;
    const payload = Buffer.from(token.split('.')[1]!, 'base64url').toString();
    expect(payload).toMatch(/"hb":"[A-Za-z0-9_-]{22}"/);
    expect(payload).not.toContain('session-A');
    const mine = await get(app, link, { Cookie: 'theme=dark; sid=session-A' });
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual(BODY);
    await expectSameAsForged(app, link, await get(app, link, { Cookie: 'sid=session-B' }));
    await expectSameAsForged(app, link, await get(app, link));
  });

  test('a request without a value when issuing gets an unbound link, and the issued event says so', async () => {
    const { app, events } = host({ bindTo });
    const link = await issue(app);
    expect((await get(app, link, { Cookie: 'sid=anyone' })).status).toBe(200);
    await issue(app, '', { Cookie: 'sid=session-A' });
    expect(events.filter((event) => event.type === 'issued').map((event) => event.type === 'issued' && event.bound)).toEqual([false, true]);
  });

  test('a bound link served where bindTo is not configured is refused (fail closed)', async () => {
    const { app: issuer } = host({ bindTo });
    const link = await issue(issuer, '', { Cookie: 'sid=session-A' });
    const { app } = host();
    expect((await get(app, link, { Cookie: 'sid=session-A' })).status).toBe(401);
  });

  test('the hash is keyed: another secret computes another hash, so the link does not verify there either', async () => {
    const { app } = host({ bindTo });
    const link = await issue(app, '', { Cookie: 'sid=session-A' });
    const other = createSigner({ secret: `${SECRET}-other`, now: () => clock });
    const token = new URLSearchParams(link.split('?')[1]).get('token')!;
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { hb: string; jti: string };
    expect(other.holderMatches({ fileId: 'a', expires: 0, issuedAt: 0, jti: claims.jti, holder: claims.hb }, 'session-A')).toBe(false);
    expect(signer.holderMatches({ fileId: 'a', expires: 0, issuedAt: 0, jti: claims.jti, holder: claims.hb }, 'session-A')).toBe(true);
  });

  test('start-up: a verify-only signer cannot bind; a bindTo result that is not a string is a 500', async () => {
    const { publicKey } = await import('node:crypto').then((crypto) => crypto.generateKeyPairSync('ed25519'));
    const verifyOnly = createSigner({ keys: [{ kid: 'k', alg: 'EdDSA', publicKey }] });
    expect(() => serveSignedDownload({ storage, signer: verifyOnly, findFile: () => record, bindTo })).toThrow(/`bindTo` needs a signer whose first key is an HS256 secret or has its private key/);
    const { app } = host({ bindTo: () => 42 as unknown as string });
    expect((await request(app).get('/orgs/acme/files/a/download-url').set('X-User', 'u1')).status).toBe(500);
  });
});
