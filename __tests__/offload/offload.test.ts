// nginx offload end to end: a real nginx from Debian in front of the app on 127.0.0.1.
import express from 'express';
import { chmodSync, symlinkSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createDownloads, createSigner, fsStorage, serveDownload } from '../../lib';
import { pattern, tempFiles } from '../helpers/app';
import { expectPrivateMaxAge, timed } from '../helpers/lifetime';
import { startNginx, type RunningNginx } from './nginx';

const big = pattern(300_000);
const files = tempFiles({ 'docs/report.pdf': big, 'docs/notes.txt': 'hello notes', 'docs/a b ü?.txt': 'odd name', 'docs/page.html': '<script>1</script>', 'outside.txt': 'OUTSIDE' });
const root = join(files.root, 'docs');
// nginx's workers run as an unprivileged user: the tree must be readable by others, as /srv/files would be.
chmodSync(files.root, 0o755);
symlinkSync(join(files.root, 'outside.txt'), join(root, 'escape.txt'));

const signer = createSigner({ secret: 'offload-secret-that-is-32-bytes-long!!' });
let app: Server;
let nginx: RunningNginx;
const served: unknown[] = [];

beforeAll(async () => {
  const downloads = createDownloads({
    storage: fsStorage({ root }),
    signer,
    findFile: (id) => ({ id, key: id }),
    authenticate: (req) => (req.get('x-api-key') === 'key' ? { user: 'u' } : null),
    authorize: () => true,
    json: { maxBytes: 1_000_000 },
    onEvent: (event) => { if (event.type === 'served') served.push(event); },
  });
  const offload = { header: 'X-Accel-Redirect', prefix: '/protected/' } as const;
  const server = express();
  server.use('/files', downloads.issueDownloadUrl(), downloads.serveSignedDownload({ offload }), downloads.serveDownload({ offload, headers: () => ({ 'X-File-Source': 'app' }) }));
  app = server.listen(0, '127.0.0.1');
  await new Promise((resolve) => app.once('listening', resolve));
  nginx = await startNginx((app.address() as AddressInfo).port, root);
});

afterAll(async () => {
  await nginx?.stop();
  app?.close();
  files.cleanup();
});

async function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(`${nginx.base}${path}`, { headers, method, redirect: 'manual' });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

async function signedPath(id: string): Promise<string> {
  const issued = await get(`/files/${encodeURIComponent(id)}/download-url`, { 'X-API-Key': 'key' });
  const url = new URL(JSON.parse(issued.body.toString()).download_url);
  return url.pathname + url.search;
}

test('a signed download is sent by nginx: exact bytes, the app\'s headers, nginx\'s validators', async () => {
  const path = await signedPath('report.pdf');
  const { value: res, before, after } = await timed(() => get(path));
  expect(res.status).toBe(200);
  expect(Buffer.compare(res.body, big)).toBe(0);
  expect(res.headers.get('content-type')).toBe('application/pdf');
  expect(res.headers.get('content-disposition')).toBe('inline; filename=report.pdf');
  expectPrivateMaxAge(res.headers.get('cache-control'), Number(new URL(path, 'http://x').searchParams.get('expires')), before, after);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('x-accel-redirect')).toBeNull();
  expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
  expect(res.headers.get('accept-ranges')).toBe('bytes');
});

test('Range, HEAD and If-None-Match are answered by nginx', async () => {
  const path = await signedPath('report.pdf');
  const ranged = await get(path, { Range: 'bytes=1000-1999' });
  expect(ranged.status).toBe(206);
  expect(ranged.headers.get('content-range')).toBe(`bytes 1000-1999/${big.length}`);
  expect(Buffer.compare(ranged.body, big.subarray(1000, 2000))).toBe(0);
  const head = await get(path, {}, 'HEAD');
  expect([head.status, head.headers.get('content-length'), head.body.length]).toEqual([200, String(big.length), 0]);
  const etag = head.headers.get('etag')!;
  expect((await get(path, { 'If-None-Match': etag })).status).toBe(304);
});

test('unsafe types stay attachments with a sandbox; odd names are escaped for nginx', async () => {
  const page = await get(await signedPath('page.html'));
  expect(page.body.toString()).toBe('<script>1</script>');
  expect(page.headers.get('content-disposition')).toBe('attachment; filename=page.html');
  expect(page.headers.get('content-security-policy')).toBe('sandbox');
  const odd = await get('/files/a%20b%20%C3%BC%3F.txt/download', { 'X-API-Key': 'key' });
  expect([odd.status, odd.body.toString()]).toEqual([200, 'odd name']);
});

test('the internal location cannot be fetched directly, and a symlink out of root is refused before nginx is asked', async () => {
  for (const path of ['/protected/report.pdf', '/protected/notes.txt', '/protected/../outside.txt']) {
    const res = await get(path);
    expect([path, res.status]).toEqual([path, 404]);
    expect(res.body.toString()).not.toContain('hello notes');
  }
  // The app looks the object up in fsStorage first (which opens nothing outside root): its 404,
  // with no offload header for nginx to follow (nginx's disable_symlinks would answer 403).
  const escape = await get('/files/escape.txt/download', { 'X-API-Key': 'key' });
  expect(escape.status).toBe(404);
  expect(JSON.parse(escape.body.toString()).error.code).toBe('FILE_NOT_FOUND');
  expect(escape.body.toString()).not.toContain('OUTSIDE');
});

test('every check still runs in the app: a bad token is 401, no key is 401, and nothing is offloaded for them', async () => {
  const path = await signedPath('notes.txt');
  const forged = await get(path.replace(/token=[^&]+/, 'token=forged.token.value'));
  expect(forged.status).toBe(401);
  expect(JSON.parse(forged.body.toString()).error.code).toBe('TOKEN_INVALID');
  expect((await get('/files/notes.txt/download')).status).toBe(401);
  expect((await get('/files/..%2Foutside.txt/download', { 'X-API-Key': 'key' })).status).toBe(404);
});

test('JSON mode is answered by the app itself (it needs the bytes), with the host headers', async () => {
  const json = await get('/files/notes.txt/download', { 'X-API-Key': 'key', Accept: 'application/json' });
  expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(JSON.parse(json.body.toString()).data).toBe(Buffer.from('hello notes').toString('base64'));
  expect(json.headers.get('x-file-source')).toBe('app');
});

test('offload is refused at start-up unless it names a header and an absolute prefix', () => {
  const base = { storage: fsStorage({ root }), findFile: (id: string) => ({ id, key: id }), authorize: () => true };
  for (const offload of [{ header: 'X-Accel', prefix: '/p/' }, { header: 'X-Sendfile', prefix: 'relative/' }, {}]) {
    expect(() => serveDownload({ ...base, offload: offload as never })).toThrow(/`offload` must be/);
  }
});
