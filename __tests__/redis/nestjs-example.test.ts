import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from 'redis';
import request from 'supertest';
import { pathOf, startExample, type RunningExample } from '../helpers/example';
import { startRedis, type RedisServer } from '../helpers/redis-server';

// examples/nestjs as a user runs it (npm run example:nestjs): compiled by tsc with
// the example's strict tsconfig, started with node, links counted in a real Redis.
const root = resolve(__dirname, '../..');
const files = resolve(root, 'examples/nestjs/files');
let redis: RedisServer;
let example: RunningExample;
let nestDefault: RunningExample;
beforeAll(async () => {
  await promisify(execFile)(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'examples/nestjs'], { cwd: root, timeout: 120_000 });
  redis = await startRedis();
  const script = 'examples/nestjs/dist/main.js';
  [example, nestDefault] = await Promise.all([
    startExample('nestjs', { REDIS_URL: redis.url, DOWNLOAD_SECRET: 'nestjs-example-test-secret-of-32-bytes!' }, script),
    startExample('nestjs', { EXCEPTION_FILTER: 'nest' }, script),
  ]);
}, 180_000);
afterAll(async () => {
  await example?.stop();
  await nestDefault?.stop();
  await redis?.stop();
});

const alice = { Authorization: 'Bearer alice-token' };
const docs = '/api/orgs/acme/documents';
const bytes = (name: string) => readFileSync(resolve(files, name));

test('it says where uses are counted and how errors are answered', () => {
  expect(example.output()).toContain(`Use counts: Redis at ${redis.url}`);
  expect(example.output()).toContain('Errors: the app filter');
  expect(nestDefault.output()).toContain("Errors: Nest's default exception filter");
});

test("a Nest controller behind the guard lists the organisation's documents with links from signUrl that download the exact bytes", async () => {
  const unauthenticated = await request(example.base).get(docs);
  expect(unauthenticated.status).toBe(401);
  expect(unauthenticated.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'Unauthorized', status: 401 } });
  const listed = await request(example.base).get(docs).set(alice);
  expect(listed.status).toBe(200);
  expect(listed.body.map((doc: { id: string }) => doc.id)).toEqual(['q3-report', 'roadmap', 'notes']);
  const report = listed.body[0] as { download_url: string; expires_at: string };
  expect(report.download_url).toMatch(new RegExp(`^${example.base}/api/orgs/acme/documents/q3-report/content\\?token=[\\w.-]+&expires=\\d+$`));
  const served = await request(example.base).get(pathOf(report.download_url));
  expect(served.status).toBe(200);
  expect(served.text).toBe(bytes('acme/q3-report.txt').toString());
  expect(served.headers['content-disposition']).toBe('inline; filename=acme-q3-report.txt');
  expect(served.headers['x-powered-by']).toBeUndefined();
  // Another organisation's list is Nest's 404, in the same envelope.
  expect((await request(example.base).get('/api/orgs/globex/documents').set(alice)).body).toEqual({ error: { code: 'NOT_FOUND', message: 'Not Found', status: 404 } });
});

test('a single-use link from the middleware downloads once, then 410; the count is in Redis', async () => {
  const issued = await request(example.base).get(`${docs}/q3-report/download-url`).set(alice);
  expect(issued.status).toBe(200);
  const path = pathOf(issued.body.download_url as string);
  const first = await request(example.base).get(path);
  expect(first.status).toBe(200);
  expect(first.text).toBe(bytes('acme/q3-report.txt').toString());
  const again = await request(example.base).get(path);
  expect(again.status).toBe(410);
  expect(again.body).toEqual({ error: { code: 'LINK_USED_UP', message: 'This download link has been used as many times as it allows.', status: 410 } });
  const client = createClient({ url: redis.url });
  await client.connect();
  try {
    expect((await client.keys('*')).length).toBeGreaterThan(0);
  } finally {
    await client.quit();
  }
});

test("the batch endpoint signs the caller's documents and answers another organisation's id as not found", async () => {
  const res = await request(example.base).post(`${docs}/download-urls`).set(alice).send({ file_ids: ['q3-report', 'roadmap', 'payroll'] });
  expect(res.status).toBe(200);
  const entries = res.body.download_urls as { file_id: string; download_url?: string; error?: { code: string } }[];
  expect(entries.map((entry) => [entry.file_id, entry.error?.code ?? 'signed'])).toEqual([['q3-report', 'signed'], ['roadmap', 'signed'], ['payroll', 'FILE_NOT_FOUND']]);
  const roadmap = await request(example.base).get(pathOf(entries[1]!.download_url!));
  expect(roadmap.text).toBe(bytes('acme/roadmap.txt').toString());
  expect((await request(example.base).post(`${docs}/download-urls`).send({ file_ids: ['q3-report'] })).status).toBe(401);
});

test('direct downloads: auth through the guard\'s own lookup and membership of the path\'s organisation, Range, HTML forced to download, refusals through the global filter', async () => {
  const ranged = await request(example.base).get(`${docs}/q3-report/download`).set(alice).set('Range', 'bytes=0-3');
  expect(ranged.status).toBe(206);
  expect(ranged.text).toBe('Acme');
  expect(ranged.headers['content-range']).toBe(`bytes 0-3/${bytes('acme/q3-report.txt').length}`);
  const html = await request(example.base).get(`${docs}/notes/download`).set(alice);
  expect(html.status).toBe(200);
  expect(html.headers['content-disposition']).toBe('attachment; filename=notes.html');
  expect(html.headers['content-security-policy']).toBe('sandbox');
  const anonymous = await request(example.base).get(`${docs}/q3-report/download`);
  expect(anonymous.status).toBe(401);
  expect(anonymous.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'Authentication is required.', status: 401 } });
  // A member of another organisation is no one here: 401 for an id that exists and for one that does not.
  for (const id of ['q3-report', 'nothing']) {
    const bob = await request(example.base).get(`${docs}/${id}/download`).set({ Authorization: 'Bearer bob-token' });
    expect(bob.status).toBe(401);
    expect(bob.body.error.code).toBe('UNAUTHENTICATED');
  }
  const unsatisfiable = await request(example.base).get(`${docs}/q3-report/download`).set(alice).set('Range', 'bytes=999-');
  expect(unsatisfiable.status).toBe(416);
  expect(unsatisfiable.headers['content-range']).toBe(`bytes */${bytes('acme/q3-report.txt').length}`);
  expect(unsatisfiable.body.error.code).toBe('RANGE_NOT_SATISFIABLE');
});

test('revoking through a Nest route ends the links issued before it', async () => {
  const listed = await request(example.base).get(docs).set(alice);
  const link = pathOf((listed.body as { id: string; download_url: string }[]).find((doc) => doc.id === 'roadmap')!.download_url);
  expect((await request(example.base).get(link)).status).toBe(200);
  expect((await request(example.base).post(`${docs}/roadmap/revoke-links`).set(alice)).status).toBe(201);
  const revoked = await request(example.base).get(link);
  expect(revoked.status).toBe(401);
  expect(revoked.body.error.code).toBe('TOKEN_INVALID');
});

test('events are logged as eventSummary lines: no token in the log', async () => {
  await request(example.base).get(`${docs}/roadmap/download`).set(alice);
  const line = await example.waitFor(/^\{"type":"served","method":"GET","path":"\/api\/orgs\/acme\/documents\/roadmap\/download".*\}$/m);
  expect(JSON.parse(line[0])).toMatchObject({ fileId: 'roadmap', tenant: 'acme', status: 200, signed: false });
  expect(example.output()).not.toMatch(/token=ey/);
});

test("without the app's filter, Nest's default one answers the library's refusals with their own status (statusCode, expose), and logs each at ERROR", async () => {
  const anonymous = await request(nestDefault.base).get(`${docs}/q3-report/download`);
  expect(anonymous.status).toBe(401);
  expect(anonymous.body).toEqual({ statusCode: 401, message: 'Authentication is required.' });
  const missing = await request(nestDefault.base).get(`${docs}/nothing/download`).set(alice);
  expect(missing.status).toBe(404);
  expect(missing.body).toEqual({ statusCode: 404, message: 'File not found.' });
  // Nest logs every exception that is not an HttpException, whatever its status: the README's reason for a filter.
  await nestDefault.waitFor(/ERROR.*\[ExceptionsHandler\].*DownloadError: File not found\./);
});
