import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { binary } from '../helpers/app';
import { pathOf, startExample, type RunningExample } from '../helpers/example';

// The multi-tenant example as a user runs it, on a copy of tenants.json: the
// checked-in file is never edited.
const root = resolve(__dirname, '../..');
const dir = resolve(root, 'examples/multi-tenant');
const checkedIn = readFileSync(join(dir, 'tenants.json'));
const ADMIN_KEY = 'test-admin-key';
const temp = mkdtempSync(join(tmpdir(), 'esd-multi-tenant-'));
const tenantsFile = join(temp, 'tenants.json');
copyFileSync(join(dir, 'tenants.json'), tenantsFile);

let example: RunningExample;
beforeAll(async () => {
  example = await startExample('multi-tenant', { TENANTS_FILE: tenantsFile, ADMIN_KEY });
});
afterAll(async () => {
  await example.stop();
  rmSync(temp, { recursive: true, force: true });
});

const KEYS = { acme: 'key_acme_demo', globex: 'key_globex_demo', initech: 'key_initech_demo' } as const;
type Tenant = keyof typeof KEYS;
const bytesOf = (tenant: Tenant) => readFileSync(join(dir, 'files', tenant, 'report.txt'));
const printed = (name: string) => new RegExp(`^\\s*${name}="(.+)"$`, 'm').exec(example.output())![1]!;
const get = (path: string) => request(example.base).get(path).buffer(true).parse(binary);
const codeOf = (res: request.Response) => JSON.parse((res.body as Buffer).toString()).error.code as string;
const kidOf = (link: string) => {
  const token = new URL(link, 'http://x').searchParams.get('token')!;
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid as string;
};

async function issue(tenant: Tenant, query = ''): Promise<string> {
  const res = await request(example.base).get(`/orgs/${tenant}/files/report/download-url${query}`).set('X-API-Key', KEYS[tenant]);
  expect(res.status).toBe(200);
  return pathOf(res.body.download_url as string);
}

async function rollKey(tenant: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['examples/multi-tenant/roll-key.mjs', tenant], {
    cwd: root, env: { ...process.env, TENANTS_FILE: tenantsFile },
  });
  return stdout;
}

const forget = (tenant: string, key = ADMIN_KEY) => request(example.base).post(`/admin/tenants/${tenant}/forget`).set('X-Admin-Key', key);
const acmeKeys = () => (JSON.parse(readFileSync(tenantsFile, 'utf8')).tenants.acme.keys as { kid: string }[]).map(({ kid }) => kid);

test("the printed signed URLs serve each tenant's own bytes, signed with its own key", async () => {
  for (const [tenant, name] of [['acme', 'ACME_SIGNED_URL'], ['globex', 'GLOBEX_SIGNED_URL']] as const) {
    const link = pathOf(printed(name));
    expect(kidOf(link)).toBe(`${tenant}-1`);
    const res = await get(link);
    expect(res.status).toBe(200);
    expect(Buffer.compare(res.body as Buffer, bytesOf(tenant))).toBe(0);
  }
  expect(Buffer.compare(bytesOf('acme'), bytesOf('globex'))).not.toBe(0);
});

test("issued links and direct downloads: each tenant's own file; another tenant's key is 403", async () => {
  for (const tenant of ['acme', 'globex'] as const) {
    expect(Buffer.compare((await get(await issue(tenant))).body as Buffer, bytesOf(tenant))).toBe(0);
    const direct = await request(example.base).get(`/orgs/${tenant}/files/report/download`).set('X-API-Key', KEYS[tenant]).buffer(true).parse(binary);
    expect(Buffer.compare(direct.body as Buffer, bytesOf(tenant))).toBe(0);
  }
  const crossed = await request(example.base).get('/orgs/globex/files/report/download').set('X-API-Key', KEYS.acme);
  expect([crossed.status, crossed.body.error.code]).toEqual([403, 'ACCESS_DENIED']);
  expect((await request(example.base).get('/orgs/acme/files/report/download-url')).status).toBe(401);
});

test("a link for acme does not open on globex's path (401)", async () => {
  const res = await get((await issue('acme')).replace('/orgs/acme/', '/orgs/globex/'));
  expect([res.status, codeOf(res)]).toEqual([401, 'TOKEN_INVALID']);
});

test("globex's plan: links live at most 600 s (601 is 422) and die after 3 uses (410)", async () => {
  const tooLong = await request(example.base).get('/orgs/globex/files/report/download-url?expires_in=601').set('X-API-Key', KEYS.globex);
  expect([tooLong.status, tooLong.body.error.code, tooLong.body.error.details.max]).toEqual([422, 'VALIDATION_ERROR', 600]);
  // acme's plan allows it.
  await issue('acme', '?expires_in=601');
  const link = await issue('globex');
  for (let use = 1; use <= 3; use++) expect((await get(link)).status).toBe(200);
  const fourth = await get(link);
  expect([fourth.status, codeOf(fourth)]).toEqual([410, 'LINK_USED_UP']);
  // acme's links have no use limit.
  const acme = await issue('acme');
  for (let use = 1; use <= 4; use++) expect((await get(acme)).status).toBe(200);
});

test('initech is suspended: 403 TENANT_SUSPENDED', async () => {
  for (const path of ['/orgs/initech/files/report/download-url', '/orgs/initech/files/report/download']) {
    const res = await request(example.base).get(path).set('X-API-Key', KEYS.initech);
    expect([res.status, res.body.error.code]).toEqual([403, 'TENANT_SUSPENDED']);
  }
});

test('the admin endpoint needs the admin key', async () => {
  expect((await forget('acme', 'wrong')).status).toBe(401);
  expect((await request(example.base).post('/admin/tenants/acme/forget')).status).toBe(401);
});

test("rolling acme's key with roll-key.mjs: overlap, then the old key's links are refused, globex's untouched", async () => {
  const oldLink = await issue('acme');
  const globexLink = await issue('globex');
  expect(kidOf(oldLink)).toBe('acme-1');

  const first = await rollKey('acme');
  expect(first).toMatch(/acme-2 +new/);
  expect(first).toMatch(/acme-1 +previous/);
  expect(first).toContain('/admin/tenants/acme/forget');
  expect(acmeKeys()).toEqual(['acme-2', 'acme-1']);
  // Until it is told, the server signs from its cache.
  expect(kidOf(await issue('acme'))).toBe('acme-1');
  const forgotten = await forget('acme');
  expect([forgotten.status, forgotten.body]).toEqual([200, { forgotten: 'acme' }]);
  // Overlap: the old link still opens, new links carry the new kid.
  expect((await get(oldLink)).status).toBe(200);
  const newLink = await issue('acme');
  expect(kidOf(newLink)).toBe('acme-2');
  expect(Buffer.compare((await get(newLink)).body as Buffer, bytesOf('acme'))).toBe(0);

  const second = await rollKey('acme');
  expect(second).toMatch(/dropped: acme-1/);
  expect(acmeKeys()).toEqual(['acme-3', 'acme-2']);
  expect((await forget('acme')).status).toBe(200);
  const refused = await get(oldLink);
  expect([refused.status, codeOf(refused)]).toEqual([401, 'TOKEN_INVALID']);
  expect((await get(newLink)).status).toBe(200);
  expect(kidOf(await issue('acme'))).toBe('acme-3');
  expect((await get(globexLink)).status).toBe(200);
});

test('roll-key.mjs refuses an unknown tenant and leaves the file alone', async () => {
  const before = readFileSync(tenantsFile);
  await expect(rollKey('nobody')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('acme, globex, initech') });
  expect(Buffer.compare(readFileSync(tenantsFile), before)).toBe(0);
});

test('the checked-in tenants.json is untouched', () => {
  expect(Buffer.compare(readFileSync(join(dir, 'tenants.json')), checkedIn)).toBe(0);
});
