// Issue 16: one mount, many tenants, each with its own storage, keys and policy (tenantConfig).
import { generateKeyPairSync } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import {
  createDownloads, createSigner, memoryStorage, memoryUseStore, type DownloadEvent, type FileRecord, type TenantConfig,
} from '../../lib';
import { binary, SECRET } from '../helpers/app';

const secretOf = (name: string) => `${name}-secret-that-is-at-least-32-bytes-long`;

interface Tenants {
  configs: Map<string, TenantConfig>;
  calls: string[];
}

function host(tenants: Tenants, extra: { tenantCache?: { max?: number; ttlSeconds?: number; unknownTtlSeconds?: number } } = {}) {
  const events: DownloadEvent[] = [];
  const downloads = createDownloads({
    storage: memoryStorage(),
    signer: createSigner({ secret: SECRET }),
    useStore: memoryUseStore(),
    findFile: (id, req): FileRecord | null => (id === 'missing' ? null : { id, key: `${id}.txt`, tenant: String(req.params.org) }),
    tenant: (req) => req.params.org,
    authorize: () => true,
    tenantConfig: async (tenant) => {
      tenants.calls.push(tenant);
      await new Promise((resolve) => setImmediate(resolve));
      return tenants.configs.get(tenant) ?? null;
    },
    onEvent: (event) => { events.push(event); },
    ...extra,
  });
  const app = express().use('/orgs/:org/files',
    downloads.issueDownloadUrl(), downloads.issueDownloadUrls(), downloads.serveSignedDownload(), downloads.serveDownload(), downloads.redirectToPresigned());
  return { app, downloads, events };
}

function tenantWith(name: string, body: string, extra: TenantConfig = {}): TenantConfig {
  return { storage: memoryStorage().put('a.txt', body), keys: [{ kid: `${name}-1`, alg: 'HS256', secret: secretOf(name) }], ...extra };
}

function setup(extra?: Parameters<typeof host>[1]) {
  const tenants: Tenants = {
    configs: new Map([['acme', tenantWith('acme', 'acme bytes')], ['globex', tenantWith('globex', 'globex bytes')]]),
    calls: [],
  };
  return { tenants, ...host(tenants, extra) };
}

async function issue(app: express.Express, org: string, query = ''): Promise<string> {
  const res = await request(app).get(`/orgs/${org}/files/a/download-url${query}`);
  expect(res.status).toBe(200);
  const url = new URL(res.body.download_url as string);
  return url.pathname + url.search;
}
const get = (app: express.Express, path: string, headers: Record<string, string> = {}) => request(app).get(path).set(headers).buffer(true).parse(binary);
const codeOf = (res: request.Response) => JSON.parse((res.body as Buffer).toString()).error.code as string;

describe('per-tenant storage and keys', () => {
  test('each tenant is served from its own storage, its links signed with its own key', async () => {
    const { app } = setup();
    for (const [org, body, kid] of [['acme', 'acme bytes', 'acme-1'], ['globex', 'globex bytes', 'globex-1']]) {
      const link = await issue(app, org!);
      const token = new URLSearchParams(link.split('?')[1]).get('token')!;
      expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid).toBe(kid);
      const res = await get(app, link);
      expect(res.status).toBe(200);
      expect(res.body.toString()).toBe(body);
    }
  });

  test("a link for one tenant never opens another's, whatever its claims", async () => {
    const { app } = setup();
    const link = await issue(app, 'acme');
    // Same token on the other tenant's path.
    expect((await get(app, link.replace('/orgs/acme/', '/orgs/globex/'))).status).toBe(401);
    // The claim edited to name the other tenant: checked with that tenant's key, which never signed it.
    const token = new URLSearchParams(link.split('?')[1]).get('token')!;
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const edited = Buffer.from(JSON.stringify({ ...claims, ten: 'globex' })).toString('base64url');
    const forged = link.replace('/orgs/acme/', '/orgs/globex/').replace(token, `${header}.${edited}.${signature}`);
    const res = await get(app, forged);
    expect(res.status).toBe(401);
    expect(codeOf(res)).toBe('TOKEN_INVALID');
  });

  test("rolling one tenant's key refuses its old links (after an optional overlap) and no one else's", async () => {
    const { app, downloads, tenants } = setup();
    const acmeOld = await issue(app, 'acme');
    const globex = await issue(app, 'globex');
    // Overlap: the new key signs, the old one still verifies.
    tenants.configs.set('acme', tenantWith('acme', 'acme bytes', { keys: [{ kid: 'acme-2', alg: 'HS256', secret: secretOf('acme-2') }, { kid: 'acme-1', alg: 'HS256', secret: secretOf('acme') }] }));
    downloads.forgetTenant('acme');
    expect((await get(app, acmeOld)).status).toBe(200);
    const acmeNew = await issue(app, 'acme');
    // The roll completes: the old key is gone.
    tenants.configs.set('acme', tenantWith('acme', 'acme bytes', { keys: [{ kid: 'acme-2', alg: 'HS256', secret: secretOf('acme-2') }] }));
    downloads.forgetTenant('acme');
    expect((await get(app, acmeOld)).status).toBe(401);
    expect((await get(app, acmeNew)).status).toBe(200);
    expect((await get(app, globex)).status).toBe(200);
  });

  test('verify-only keys per tenant: a serving app holds only the public key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const issuing = setup();
    issuing.tenants.configs.set('acme', tenantWith('acme', 'acme bytes', { keys: [{ kid: 'ed', alg: 'EdDSA', privateKey, publicKey }] }));
    const serving = setup();
    serving.tenants.configs.set('acme', tenantWith('acme', 'acme bytes', { keys: [{ kid: 'ed', alg: 'EdDSA', publicKey }] }));
    const link = await issue(issuing.app, 'acme');
    const res = await get(serving.app, link);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('acme bytes');
    // It cannot issue.
    expect((await request(serving.app).get('/orgs/acme/files/a/download-url')).status).toBe(500);
  });
});

describe('state: unknown, suspended, gone', () => {
  test('an unknown tenant is a missing file on the authenticated routers, a forgery on the signed route', async () => {
    const { app } = setup();
    const issued = await request(app).get('/orgs/initech/files/a/download-url');
    expect([issued.status, issued.body.error.code]).toEqual([404, 'FILE_NOT_FOUND']);
    expect((await get(app, '/orgs/initech/files/a/download')).status).toBe(404);
    const link = await issue(app, 'acme');
    const token = new URLSearchParams(link.split('?')[1]).get('token')!;
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const edited = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), ten: 'initech' })).toString('base64url');
    const res = await get(app, link.replace('/orgs/acme/', '/orgs/initech/').replace(token, `${header}.${edited}.${signature}`));
    expect([res.status, codeOf(res)]).toEqual([401, 'TOKEN_INVALID']);
  });

  test.each([['suspended', 403, 'TENANT_SUSPENDED'], ['gone', 410, 'TENANT_GONE']] as const)('%s: every router answers %i %s (after the token verifies)', async (state, status, code) => {
    const { app, downloads, tenants } = setup();
    const link = await issue(app, 'acme');
    tenants.configs.set('acme', tenantWith('acme', 'acme bytes', { state }));
    downloads.forgetTenant('acme');
    for (const res of [await get(app, link), await get(app, '/orgs/acme/files/a/download'), await get(app, '/orgs/acme/files/a/download-url'), await get(app, '/orgs/acme/files/a/redirect')]) {
      expect([res.status, codeOf(res)]).toEqual([status, code]);
    }
    const batch = await request(app).post('/orgs/acme/files/download-urls').send({ file_ids: ['a'] });
    expect([batch.status, batch.body.error.code]).toEqual([status, code]);
    // A forged token learns nothing of the state: 401 like any forgery.
    const forged = await get(app, link.replace(/token=([^&]*)/, (_m, token: string) => `token=${token.slice(0, -3)}AAA`));
    expect(forged.status).toBe(401);
    await expect(downloads.signUrl({ fileId: 'a', tenant: 'acme', baseUrl: 'https://app.example/orgs/acme/files' })).rejects.toMatchObject({ code });
  });
});

describe('policy per tenant', () => {
  test('maxExpiresIn and expiresIn, maxUses default, linksValidAfter', async () => {
    const { app, downloads, tenants } = setup();
    tenants.configs.set('acme', tenantWith('acme', 'acme bytes', { maxExpiresIn: 600, expiresIn: 300, maxUses: 1 }));
    const refused = await request(app).get('/orgs/acme/files/a/download-url?expires_in=601');
    expect([refused.status, refused.body.error.details.max]).toEqual([422, 600]);
    const issued = await request(app).get('/orgs/acme/files/a/download-url');
    expect(issued.body.expires_in).toBe(300);
    const globex = await request(app).get('/orgs/globex/files/a/download-url?expires_in=3000');
    expect(globex.body.expires_in).toBe(3000);
    const once = new URL(issued.body.download_url as string);
    expect((await get(app, once.pathname + once.search)).status).toBe(200);
    expect((await get(app, once.pathname + once.search)).status).toBe(410);
    const globexLink = new URL(globex.body.download_url as string);
    for (let i = 0; i < 3; i++) expect((await get(app, globexLink.pathname + globexLink.search)).status).toBe(200);

    const before = await issue(app, 'globex');
    tenants.configs.set('globex', tenantWith('globex', 'globex bytes', { linksValidAfter: new Date(Date.now() + 1000) }));
    downloads.forgetTenant('globex');
    expect((await get(app, before)).status).toBe(401);
    expect((await get(app, await issue(app, 'acme'))).status).toBe(200);
  });

  test('JSON mode and inline types per tenant', async () => {
    const { app, tenants } = setup();
    tenants.configs.set('acme', { ...tenantWith('acme', 'acme bytes'), json: { maxBytes: 100 }, inlineTypes: ['image/png'] });
    const json = await get(app, '/orgs/acme/files/a/download', { Accept: 'application/json' });
    expect(JSON.parse(json.body.toString())).toMatchObject({ data: Buffer.from('acme bytes').toString('base64') });
    const other = await get(app, '/orgs/globex/files/a/download', { Accept: 'application/json' });
    expect(other.body.toString()).toBe('globex bytes');
    // text/plain is not inline for acme, as its list says; globex keeps the defaults.
    expect(json.headers['content-disposition']).toBeUndefined();
    expect((await get(app, '/orgs/acme/files/a/download')).headers['content-disposition']).toMatch(/^attachment/);
    expect((await get(app, '/orgs/globex/files/a/download')).headers['content-disposition']).toMatch(/^inline/);
  });

  test('a wrong configuration is a clean 500 naming the field, for that tenant only', async () => {
    const { app, tenants, events } = setup();
    tenants.configs.set('acme', { ...tenantWith('acme', 'x'), maxExpiresIn: -1 } as TenantConfig);
    const res = await request(app).get('/orgs/acme/files/a/download-url');
    expect([res.status, res.body.error.code]).toEqual([500, 'INTERNAL_ERROR']);
    const failed = events.find((event) => event.type === 'failed');
    expect(failed?.type === 'failed' && String((failed.error.cause as Error).message)).toMatch(/tenantConfig\("acme"\).*maxExpiresIn/);
    expect((await request(app).get('/orgs/globex/files/a/download-url')).status).toBe(200);
  });
});

describe('the cache', () => {
  test('50 concurrent first requests for one tenant make one resolver call', async () => {
    const { app, tenants } = setup();
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const answers = await Promise.all(Array.from({ length: 50 }, () => request(server).get('/orgs/acme/files/a/download-url')));
      expect(answers.every((res) => res.status === 200)).toBe(true);
      expect(tenants.calls.filter((name) => name === 'acme')).toEqual(['acme']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('forged tokens of a known tenant cost no resolver call; made-up tenants are remembered as unknown', async () => {
    const { app, tenants } = setup();
    const link = await issue(app, 'acme');
    const calls = tenants.calls.length;
    for (let i = 0; i < 20; i++) {
      expect((await get(app, link.replace(/token=([^&]*)/, (_m, token: string) => `token=${token.slice(0, -4)}${String(1000 + i)}`))).status).toBe(401);
    }
    expect(tenants.calls.length).toBe(calls);
    for (let i = 0; i < 5; i++) expect((await request(app).get('/orgs/nobody/files/a/download-url')).status).toBe(404);
    expect(tenants.calls.filter((name) => name === 'nobody')).toEqual(['nobody']);
  });

  test('forgetTenant drops one tenant at once, in every router; a failing resolver is not remembered', async () => {
    const { app, downloads, tenants } = setup();
    await issue(app, 'acme');
    await get(app, '/orgs/acme/files/a/download');
    expect(tenants.calls).toEqual(['acme']);
    downloads.forgetTenant('acme');
    await get(app, '/orgs/acme/files/a/download');
    expect(tenants.calls).toEqual(['acme', 'acme']);
    expect(() => downloads.forgetTenant(42 as never)).toThrow(TypeError);
  });

  test('start-up: tenantConfig needs a tenant hook; tenantCache is checked', () => {
    const base = { storage: memoryStorage(), findFile: () => null, authorize: () => true };
    expect(() => createDownloads({ ...base, tenantConfig: () => null })).toThrow(/`tenantConfig` needs a `tenant` hook/);
    expect(() => createDownloads({ ...base, tenant: (req) => req.params.org, tenantConfig: () => null, tenantCache: { max: -1 } })).toThrow(/tenantCache.max/);
    expect(() => createDownloads({ ...base, tenantCache: { max: 1 } })).toThrow(/`tenantCache` is for `tenantConfig`/);
  });
});
