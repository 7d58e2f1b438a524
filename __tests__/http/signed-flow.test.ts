import express from 'express';
import request from 'supertest';
import {
  createDownloads, createSigner, issueDownloadUrl, memoryStorage, serveSignedDownload, type FileRecord, type SharedOptions,
} from '../../lib';
import { expressMajor, SECRET, signer } from '../helpers/app';
import { expectExpiresIssuedBetween, expectPrivateMaxAge, timed } from '../helpers/lifetime';

declare const EXPRESS_MAJOR: number;

const storage = memoryStorage()
  .put('acme/report.png', Buffer.from('PNG-BYTES-0123456789'))
  .put('acme/page.html', '<script>alert(1)</script>')
  .put('globex/plan.txt', 'globex plan');

const records: Record<string, FileRecord> = {
  report: { id: 'report', key: 'acme/report.png', tenant: 'acme' },
  page: { id: 'page', key: 'acme/page.html', tenant: 'acme' },
  plan: { id: 'plan', key: 'globex/plan.txt', tenant: 'globex' },
  orphan: { id: 'orphan', key: 'acme/report.png' },
  'a b/ü': { id: 'a b/ü', key: 'acme/report.png', tenant: 'acme', filename: 'Bericht ü.png' },
};

const keys: Record<string, string> = { 'acme-key': 'acme', 'globex-key': 'globex' };

function sharedOptions(extra: Partial<SharedOptions> = {}): SharedOptions {
  return {
    storage,
    signer,
    findFile: (id) => records[id] ?? null,
    authenticate: (req) => keys[req.get('x-api-key') ?? ''] ?? null,
    tenant: (req) => req.params.orgId,
    authorize: (_req, file, principal) => file.tenant === principal,
    ...extra,
  };
}

function tenantApp(extra: Partial<SharedOptions> = {}, issueExtra = {}) {
  const downloads = createDownloads(sharedOptions(extra));
  const app = express();
  app.use('/orgs/:orgId/files', downloads.issueDownloadUrl(issueExtra), downloads.serveSignedDownload());
  return app;
}

async function issue(app: express.Express, path: string, key = 'acme-key') {
  const res = await request(app).get(path).set('X-API-Key', key);
  return res;
}

function pathOf(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

test('the suite runs on the Express major its Jest project names', () => {
  expect(expressMajor).toBe(EXPRESS_MAJOR);
});

describe('issueDownloadUrl', () => {
  test('GET returns the documented body with an absolute URL to the sibling content route, no-store', async () => {
    const { value: res, before, after } = await timed(() => issue(tenantApp(), '/orgs/acme/files/report/download-url'));
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual(['download_url', 'expires', 'expires_at', 'expires_in', 'file_id', 'filename', 'token']);
    expect(res.body.expires_in).toBe(3600);
    expectExpiresIssuedBetween(res.body.expires, 3600, before, after);
    expect(res.body.expires_at).toBe(new Date(res.body.expires * 1000).toISOString());
    expect(res.body.file_id).toBe('report');
    expect(res.body.filename).toBe('report.png');
    const url = new URL(res.body.download_url);
    expect(url.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url.pathname).toBe('/orgs/acme/files/report/content');
    expect(url.searchParams.get('token')).toBe(res.body.token);
    expect(url.searchParams.get('expires')).toBe(String(res.body.expires));
  });

  test('the signed URL serves the bytes with no Authorization, a bounded private cache and no referrer', async () => {
    const app = tenantApp();
    const issued = await issue(app, '/orgs/acme/files/report/download-url?expires_in=120');
    const { value: res, before, after } = await timed(() => request(app).get(pathOf(issued.body.download_url)));
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('PNG-BYTES-0123456789');
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-disposition']).toBe('inline; filename=report.png');
    expectPrivateMaxAge(res.headers['cache-control'], issued.body.expires, before, after);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const ranged = await request(app).get(pathOf(issued.body.download_url)).set('Range', 'bytes=4-8');
    expect(ranged.status).toBe(206);
    expect(ranged.body.toString()).toBe('BYTES');
  });

  test('ids that need encoding round-trip through the URL', async () => {
    const app = tenantApp();
    const issued = await issue(app, `/orgs/acme/files/${encodeURIComponent('a b/ü')}/download-url`);
    expect(issued.status).toBe(200);
    expect(new URL(issued.body.download_url).pathname).toBe('/orgs/acme/files/a%20b%2F%C3%BC/content');
    const res = await request(app).get(pathOf(issued.body.download_url));
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe(`inline; filename="Bericht ?.png"; filename*=UTF-8''Bericht%20%C3%BC.png`);
  });

  test('disposition=attachment is signed into the token and honoured', async () => {
    const app = tenantApp();
    const issued = await issue(app, '/orgs/acme/files/report/download-url?disposition=attachment');
    const res = await request(app).get(pathOf(issued.body.download_url));
    expect(res.headers['content-disposition']).toBe('attachment; filename=report.png');
  });

  test('disposition=inline never makes HTML inline', async () => {
    const app = tenantApp();
    const issued = await issue(app, '/orgs/acme/files/page/download-url?disposition=inline');
    const res = await request(app).get(pathOf(issued.body.download_url));
    expect(res.headers['content-disposition']).toBe('attachment; filename=page.html');
  });

  test.each([
    ['0', 'out_of_range'], ['86401', 'out_of_range'], ['-5', 'not_an_integer'], ['1.5', 'not_an_integer'],
    ['abc', 'not_an_integer'], ['', 'not_an_integer'], ['1e3', 'not_an_integer'],
  ])('expires_in=%s → 422 VALIDATION_ERROR (%s)', async (value, reason) => {
    const res = await issue(tenantApp(), `/orgs/acme/files/report/download-url?expires_in=${value}`);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(res.body.error.details).toEqual({ parameter: 'expires_in', in: 'query', reason, min: 1, max: 86400 });
  });

  test('repeated expires_in and a bad disposition are 422 too', async () => {
    const repeated = await issue(tenantApp(), '/orgs/acme/files/report/download-url?expires_in=1&expires_in=2');
    expect([repeated.status, repeated.body.error.details]).toEqual([422, { parameter: 'expires_in', in: 'query', reason: 'repeated', min: 1, max: 86400 }]);
    const res = await issue(tenantApp(), '/orgs/acme/files/report/download-url?disposition=evil');
    expect(res.status).toBe(422);
    expect(res.body.error.details.parameter).toBe('disposition');
  });

  test('maxExpiresIn and expiresIn are configurable', async () => {
    const app = tenantApp({ expiresIn: 60, maxExpiresIn: 600 });
    expect((await issue(app, '/orgs/acme/files/report/download-url')).body.expires_in).toBe(60);
    expect((await issue(app, '/orgs/acme/files/report/download-url?expires_in=600')).body.expires_in).toBe(600);
    expect((await issue(app, '/orgs/acme/files/report/download-url?expires_in=601')).status).toBe(422);
  });

  test('publicBaseUrl and downloadUrl decide where the URL points', async () => {
    const viaBase = await issue(tenantApp({}, { publicBaseUrl: 'https://files.example.com/api/' }), '/orgs/acme/files/report/download-url');
    expect(viaBase.body.download_url).toMatch(/^https:\/\/files\.example\.com\/api\/orgs\/acme\/files\/report\/content\?token=[^&]+&expires=\d+$/);
    const viaHook = await issue(
      tenantApp({}, { downloadUrl: (_req: unknown, file: FileRecord) => `https://cdn.example.com/d/${file.id}?v=1` }),
      '/orgs/acme/files/report/download-url',
    );
    expect(viaHook.body.download_url).toMatch(/^https:\/\/cdn\.example\.com\/d\/report\?v=1&token=[^&]+&expires=\d+$/);
  });

  test('X-Forwarded-Host and -Proto count only behind a trusted proxy', async () => {
    const plain = await request(tenantApp()).get('/orgs/acme/files/report/download-url').set('X-API-Key', 'acme-key')
      .set('X-Forwarded-Host', 'evil.example').set('X-Forwarded-Proto', 'https');
    expect(new URL(plain.body.download_url).origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const trusted = tenantApp();
    trusted.set('trust proxy', 'loopback');
    const proxied = await request(trusted).get('/orgs/acme/files/report/download-url').set('X-API-Key', 'acme-key')
      .set('X-Forwarded-Host', 'files.example.com').set('X-Forwarded-Proto', 'https');
    expect(new URL(proxied.body.download_url).origin).toBe('https://files.example.com');
  });

  test('formatResponse reshapes the body', async () => {
    const app = tenantApp({}, { formatResponse: (body: { download_url: string; token: string; expires: number }) => ({ download_url: body.download_url, token: body.token, expires: body.expires }) });
    const res = await issue(app, '/orgs/acme/files/report/download-url');
    expect(Object.keys(res.body)).toEqual(['download_url', 'token', 'expires']);
  });

  test.each([
    ['no key', 401, 'UNAUTHENTICATED', '/orgs/acme/files/report/download-url', ''],
    ["another tenant's file under my tenant", 404, 'FILE_NOT_FOUND', '/orgs/acme/files/plan/download-url', 'acme-key'],
    ['a file with no tenant', 404, 'FILE_NOT_FOUND', '/orgs/acme/files/orphan/download-url', 'acme-key'],
    ["my key on another tenant's path", 403, 'ACCESS_DENIED', '/orgs/globex/files/plan/download-url', 'acme-key'],
    ['an unknown file', 404, 'FILE_NOT_FOUND', '/orgs/acme/files/nope/download-url', 'acme-key'],
  ])('%s → %i %s', async (_name, status, code, path, key) => {
    const res = await request(tenantApp()).get(path).set('X-API-Key', key);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });
});

describe('issueDownloadUrl with method POST', () => {
  function postApp(extra = {}, parser = false) {
    const app = express();
    if (parser) app.use(express.json());
    app.use('/orgs/:orgId/files', createDownloads(sharedOptions()).issueDownloadUrl({ method: 'POST', ...extra }), createDownloads(sharedOptions()).serveSignedDownload());
    return app;
  }

  test.each([
    ['fileId', false],
    ['file_id', false],
    ['fileId', true],
  ])('reads %s from a JSON body (host parser: %s)', async (field, parser) => {
    const app = postApp({}, parser);
    const res = await request(app).post('/orgs/acme/files/download-url').set('X-API-Key', 'acme-key').send({ [field]: 'report' });
    expect(res.status).toBe(200);
    expect(res.body.file_id).toBe('report');
    const file = await request(app).get(pathOf(res.body.download_url));
    expect(file.body.toString()).toBe('PNG-BYTES-0123456789');
  });

  test('a custom fileId hook reads document_id', async () => {
    const app = postApp({ fileId: (req: express.Request) => (req.body as { document_id?: string }).document_id });
    const res = await request(app).post('/orgs/acme/files/download-url').set('X-API-Key', 'acme-key').send({ document_id: 'report' });
    expect(res.status).toBe(200);
  });

  test('malformed JSON is 422, a body without the id is 400 FILE_ID_REQUIRED', async () => {
    const bad = await request(postApp()).post('/orgs/acme/files/download-url').set('X-API-Key', 'acme-key')
      .set('Content-Type', 'application/json').send('{"fileId":');
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('VALIDATION_ERROR');
    const missing = await request(postApp()).post('/orgs/acme/files/download-url').set('X-API-Key', 'acme-key').send({ other: 1 });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('FILE_ID_REQUIRED');
  });
});

describe('serveSignedDownload: token checks', () => {
  async function issued(app = tenantApp(), path = '/orgs/acme/files/report/download-url') {
    const res = await issue(app, path);
    return new URL(res.body.download_url);
  }

  async function expectTokenInvalid(app: express.Express, path: string) {
    const res = await request(app).get(path);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'TOKEN_INVALID', message: 'The download link has expired or is invalid.', status: 401 } });
    expect(res.headers['cache-control']).toBe('no-store');
  }

  test('missing, empty or repeated token/expires are all 401 TOKEN_INVALID', async () => {
    const app = tenantApp();
    const url = await issued(app);
    const token = url.searchParams.get('token')!;
    const expires = url.searchParams.get('expires')!;
    for (const query of [
      '', `?token=${token}`, `?expires=${expires}`, `?token=&expires=${expires}`, `?token=${token}&expires=`,
      `?token=${token}&token=${token}&expires=${expires}`, `?token=${token}&expires=${expires}&expires=${expires}`,
      `?token=${token}&expires=${Number(expires) + 1}`, `?token=${token}&expires=abc`,
    ]) {
      await expectTokenInvalid(app, `${url.pathname}${query}`);
    }
  });

  test('a tampered token, a token for another file, and another tenant\'s token are refused', async () => {
    const app = tenantApp();
    const url = await issued(app);
    const token = url.searchParams.get('token')!;
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flipped = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    await expectTokenInvalid(app, `${url.pathname}?token=${flipped}&expires=${url.searchParams.get('expires')}`);
    const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), fid: 'page' })).toString('base64url');
    await expectTokenInvalid(app, `/orgs/acme/files/page/content?token=${header}.${forgedPayload}.${signature}&expires=${url.searchParams.get('expires')}`);
    await expectTokenInvalid(app, `/orgs/acme/files/page/content${url.search}`);
    const globexUrl = new URL((await issue(app, '/orgs/globex/files/plan/download-url', 'globex-key')).body.download_url);
    await expectTokenInvalid(app, `/orgs/acme/files/plan/content${globexUrl.search}`);
  });

  test('a token signed with another secret, or any other JWT from the same secret, is refused', async () => {
    const app = tenantApp();
    const other = createSigner({ secret: 'another-secret-that-is-32-bytes-or-more!!' });
    const foreign = await other.sign({ fileId: 'report', tenant: 'acme', expiresIn: 60 });
    await expectTokenInvalid(app, `/orgs/acme/files/report/content?token=${foreign.token}&expires=${foreign.expires}`);
    // A session JWT the app signs with the same secret: right key, wrong purpose.
    const { SignJWT } = await import('jose');
    const exp = Math.floor(Date.now() / 1000) + 60;
    const session = await new SignJWT({ fid: 'report', ten: 'acme', sub: 'user-1' })
      .setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(exp).sign(new TextEncoder().encode(SECRET));
    await expectTokenInvalid(app, `/orgs/acme/files/report/content?token=${session}&expires=${exp}`);
    const none = `${Buffer.from('{"alg":"none","typ":"esd-download+jwt"}').toString('base64url')}.${Buffer.from(JSON.stringify({ fid: 'report', ten: 'acme', exp, iat: exp - 60, aud: 'express-signed-downloads' })).toString('base64url')}.`;
    await expectTokenInvalid(app, `/orgs/acme/files/report/content?token=${none}&expires=${exp}`);
  });

  test('an expired token is refused, and one inside the clock tolerance is not', async () => {
    let now = Date.now();
    const clocked = createSigner({ secret: SECRET, now: () => now, clockTolerance: 5 });
    const app = tenantApp({ signer: clocked });
    const issuedRes = await issue(app, '/orgs/acme/files/report/download-url?expires_in=60');
    const path = pathOf(issuedRes.body.download_url);
    now += 64_000;
    expect((await request(app).get(path)).status).toBe(200);
    now += 2_000;
    await expectTokenInvalid(app, path);
  });

  test('a file deleted since the URL was issued is 404 FILE_NOT_FOUND', async () => {
    const local = memoryStorage().put('acme/tmp.txt', 'temporary');
    const app = tenantApp({ storage: local, findFile: (id) => (id === 'tmp' ? { id, key: 'acme/tmp.txt', tenant: 'acme' } : null) });
    const url = await issued(app, '/orgs/acme/files/tmp/download-url');
    expect((await request(app).get(url.pathname + url.search)).text).toBe('temporary');
    local.delete('acme/tmp.txt');
    const res = await request(app).get(url.pathname + url.search);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('FILE_NOT_FOUND');
  });

  test('HEAD on a signed URL sends headers only', async () => {
    const app = tenantApp();
    const url = await issued(app);
    const res = await request(app).head(url.pathname + url.search);
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('20');
  });

  test('a router without tenants signs and verifies without one', async () => {
    const app = express();
    const options = { storage, signer, findFile: (id: string) => records[id] ?? null };
    app.use('/files', issueDownloadUrl({ ...options, authorize: () => true }), serveSignedDownload(options));
    const res = await request(app).get('/files/orphan/download-url');
    const file = await request(app).get(pathOf(res.body.download_url));
    expect(file.status).toBe(200);
    expect(file.body.toString()).toBe('PNG-BYTES-0123456789');
  });
});
