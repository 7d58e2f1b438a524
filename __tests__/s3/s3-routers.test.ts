import express from 'express';
import { readdirSync } from 'node:fs';
import { get as httpGet, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createDownloads, createSigner, type FileRecord, type SharedOptions } from '../../lib';
import { s3Storage } from '../../lib/s3';
import { freshBucket, putObject, testClient } from './s3-env';

const client = testClient(8);
afterAll(() => client.destroy());

const big = Buffer.alloc(8 * 1024 * 1024, 42);
const png = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 256));
let bucket: string;

const records: Record<string, FileRecord> = {
  'a1b2c3d4-0000-4000-8000-000000000001': { id: 'a1', key: 'report.png', filename: 'Q3 report ü.png', tenant: 'acme' },
  page: { id: 'page', key: 'page.html', tenant: 'acme' },
  big: { id: 'big', key: 'big.bin', tenant: 'acme' },
  theirs: { id: 'theirs', key: 'report.png', tenant: 'globex' },
  quoted: { id: 'quoted', key: 'report.png', filename: 'a "quoted"; name, 50%.png', tenant: 'acme' },
  typed: { id: 'typed', key: 'big.bin', filename: 'data.csv', contentType: 'text/csv; charset=utf-8', tenant: 'acme' },
};
const UUID = 'a1b2c3d4-0000-4000-8000-000000000001';

beforeAll(async () => {
  bucket = await freshBucket(client, 'routers');
  await putObject(client, bucket, 'acme/report.png', png, 'image/png');
  await putObject(client, bucket, 'acme/page.html', '<script>alert(1)</script>', 'text/html');
  await putObject(client, bucket, 'acme/big.bin', big);
});

function app(extra: Partial<SharedOptions> = {}, storageOptions = {}) {
  const downloads = createDownloads({
    storage: s3Storage({ client, bucket, prefix: 'acme/', ...storageOptions }),
    signer: createSigner({ secret: 'router-secret-that-is-32-bytes-long!!' }),
    findFile: (id) => records[id] ?? null,
    tenant: () => 'acme',
    authenticate: (req) => (req.get('authorization') === 'Bearer ixk_good' ? { scopes: ['download'] } : null),
    authorize: () => true,
    ...extra,
  });
  const server = express();
  server.use('/files', downloads.redirectToPresigned(), downloads.issueDownloadUrl({ path: '/:fileId/presigned-url', mode: 'presigned' }),
    downloads.issueDownloadUrl(), downloads.serveSignedDownload(), downloads.serveDownload());
  return server;
}

const auth = { Authorization: 'Bearer ixk_good' };

async function redirect(path: string, server = app()) {
  const res = await request(server).get(path).set(auth).redirects(0);
  return res;
}

describe('redirectToPresigned', () => {
  test('307 to a presigned URL that serves the exact bytes with the signed headers', async () => {
    const res = await redirect(`/files/${UUID}/redirect`);
    expect(res.status).toBe(307);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const location = new URL(res.headers['location']!);
    expect(location.origin).toBe('http://127.0.0.1:7480');
    expect(location.searchParams.get('X-Amz-Expires')).toBe('900');
    const object = await fetch(location);
    expect(object.status).toBe(200);
    expect(object.headers.get('content-type')).toBe('image/png');
    expect(object.headers.get('content-disposition')).toBe(`inline; filename="Q3 report ?.png"; filename*=UTF-8''Q3%20report%20%C3%BC.png`);
    expect(Buffer.compare(Buffer.from(await object.arrayBuffer()), png)).toBe(0);
  });

  test('disposition=attachment is signed in; HTML is never inline; expires_in is honoured', async () => {
    const attachment = new URL((await redirect(`/files/${UUID}/redirect?disposition=attachment&expires_in=60`)).headers['location']!);
    expect(attachment.searchParams.get('X-Amz-Expires')).toBe('60');
    expect((await fetch(attachment)).headers.get('content-disposition')).toMatch(/^attachment; /);
    const html = new URL((await redirect('/files/page/redirect?disposition=inline')).headers['location']!);
    expect(html.searchParams.get('response-content-disposition')).toBe('attachment; filename=page.html');
    expect((await redirect(`/files/${UUID}/redirect?expires_in=999999`)).status).toBe(422);
  });

  test('the gateway refuses a tampered signature, disposition or type, and an expired URL (403)', async () => {
    const location = (await redirect(`/files/${UUID}/redirect?disposition=attachment&expires_in=1`)).headers['location']!;
    const url = new URL(location);
    const signature = url.searchParams.get('X-Amz-Signature')!;
    const tampered = [
      (u: URL) => u.searchParams.set('X-Amz-Signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`),
      (u: URL) => u.searchParams.set('response-content-disposition', 'inline'),
      (u: URL) => u.searchParams.set('response-content-type', 'text/html'),
    ];
    for (const change of tampered) {
      const copy = new URL(url);
      change(copy);
      expect((await fetch(copy)).status).toBe(403);
    }
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await fetch(url)).status).toBe(403);
  });

  test('authentication, tenant and authorization come first', async () => {
    expect((await request(app()).get(`/files/${UUID}/redirect`).redirects(0)).status).toBe(401);
    expect((await redirect('/files/theirs/redirect')).status).toBe(404);
    expect((await redirect('/files/nope/redirect')).status).toBe(404);
    const denied = await redirect(`/files/${UUID}/redirect`, app({ authorize: () => false }));
    expect(denied.status).toBe(403);
  });

  test('the presign cache reuses a URL for part of its life; without it every URL is new', async () => {
    const cached = app({}, { presignCache: { reuseFraction: 0.5 } });
    const first = (await redirect(`/files/${UUID}/redirect`, cached)).headers['location'];
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await redirect(`/files/${UUID}/redirect`, cached)).headers['location']).toBe(first);
    expect((await redirect(`/files/${UUID}/redirect?disposition=attachment`, cached)).headers['location']).not.toBe(first);
    const uncached = app();
    const a = (await redirect(`/files/${UUID}/redirect`, uncached)).headers['location'];
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await redirect(`/files/${UUID}/redirect`, uncached)).headers['location']).not.toBe(a);
  });
});

describe('proxy and redirect modes send the same type and disposition', () => {
  // One function renders both (the engine's headers and the presigned
  // ResponseContentType / ResponseContentDisposition): a user cannot tell which mode served a file.
  test.each([
    [UUID, 'inline'], [UUID, 'attachment'], ['page', 'inline'], ['quoted', 'inline'], ['quoted', 'attachment'], ['typed', 'attachment'],
  ] as const)('%s as %s: byte for byte, through the real gateway', async (id, disposition) => {
    const server = app({ disposition });
    const proxied = await request(server).head(`/files/${id}/download`).set(auth);
    expect(proxied.status).toBe(200);
    const res = await redirect(`/files/${id}/redirect`, server);
    expect(res.status).toBe(307);
    // A presigned URL is signed for GET: HEAD would be refused by the gateway.
    const object = await fetch(res.headers['location']!);
    expect(object.status).toBe(200);
    await object.arrayBuffer();
    expect(object.headers.get('content-type')).toBe(proxied.headers['content-type']);
    expect(object.headers.get('content-disposition')).toBe(proxied.headers['content-disposition']);
    expect(proxied.headers['content-disposition']).toMatch(id === 'page' ? /^attachment/ : new RegExp(`^${disposition}`));
  });
});

describe('issueDownloadUrl in presigned mode', () => {
  test('download_url is the store\'s own URL, token is null, and it works', async () => {
    const res = await request(app()).get(`/files/${UUID}/presigned-url?expires_in=300`).set(auth);
    expect(res.status).toBe(200);
    expect(res.body.token).toBeNull();
    expect(res.body.expires_in).toBeGreaterThanOrEqual(299);
    expect(res.body.download_url).toMatch(/^http:\/\/127\.0\.0\.1:7480\/.*X-Amz-Expires=300/);
    const object = await fetch(res.body.download_url);
    expect(Buffer.compare(Buffer.from(await object.arrayBuffer()), png)).toBe(0);
  });
});

describe('proxy mode on S3', () => {
  test('signed download with Range, HEAD, 304 and 416 through the app', async () => {
    const server = app();
    const issued = await request(server).get(`/files/${UUID}/download-url`).set(auth);
    const url = new URL(issued.body.download_url);
    const path = url.pathname + url.search;
    const full = await request(server).get(path);
    expect(full.status).toBe(200);
    expect(Buffer.compare(full.body as Buffer, png)).toBe(0);
    const etag = full.headers['etag']!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const ranged = await request(server).get(path).set('Range', 'bytes=-100');
    expect(ranged.status).toBe(206);
    expect(ranged.headers['content-range']).toBe('bytes 4900-4999/5000');
    expect(Buffer.compare(ranged.body as Buffer, png.subarray(4900))).toBe(0);
    expect((await request(server).head(path)).headers['content-length']).toBe('5000');
    expect((await request(server).get(path).set('If-None-Match', etag)).status).toBe(304);
    expect((await request(server).get(path).set('Range', 'bytes=5000-')).status).toBe(416);
  });

  test('authenticated download streams from S3', async () => {
    const res = await request(app()).get(`/files/${UUID}/download`).set(auth).set('Range', 'bytes=10-19');
    expect(res.status).toBe(206);
    expect(Buffer.compare(res.body as Buffer, png.subarray(10, 20))).toBe(0);
  });
});

describe('aborted proxied downloads', () => {
  test('200 downloads aborted part-way leave no sockets or descriptors behind', async () => {
    const server: Server = app().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const fds = () => readdirSync('/proc/self/fd').length;
    const warm = await fetch(`${base}/files/big/download`, { headers: auth });
    await warm.arrayBuffer();
    const baseline = fds();
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(Array.from({ length: 10 }, async () => {
        const res = await new Promise<IncomingMessage>((resolve, reject) =>
          httpGet(`${base}/files/big/download`, { headers: auth }, resolve).on('error', reject));
        expect(res.statusCode).toBe(200);
        await new Promise((resolve) => res.once('data', resolve));
        res.destroy();
      }));
    }
    // With 8 sockets in the SDK's pool, one leaked per abort would have stalled the loop long ago;
    // and the descriptors come back to where they were, give or take the pool's idle sockets.
    const deadline = Date.now() + 5000;
    while (fds() > baseline + 8 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fds()).toBeLessThanOrEqual(baseline + 8);
    const after = await fetch(`${base}/files/big/download`, { headers: auth });
    expect(Buffer.from(await after.arrayBuffer()).length).toBe(big.length);
    server.close();
  }, 60_000);
});

describe('proxy mode costs one request to the store', () => {
  /** Counts the commands that reach the gateway through a dedicated client. */
  function countingApp() {
    const counting = testClient(8);
    const sent: string[] = [];
    counting.middlewareStack.add((next, context) => async (args) => {
      sent.push(context.commandName ?? '?');
      return next(args);
    }, { step: 'initialize', name: 'countRequests' });
    const server = app({ storage: s3Storage({ client: counting, bucket, prefix: 'acme/' }) });
    return { server, sent, destroy: () => counting.destroy() };
  }

  test.each([
    ['a full GET', {}, 200, ['GetObjectCommand']],
    ['a Range', { Range: 'bytes=10-19' }, 206, ['GetObjectCommand']],
    ['a suffix Range', { Range: 'bytes=-10' }, 206, ['GetObjectCommand']],
    ['a HEAD', { method: 'HEAD' }, 200, ['HeadObjectCommand']],
    ['an unsatisfiable Range (the size comes from a HEAD)', { Range: 'bytes=99999-' }, 416, ['GetObjectCommand', 'HeadObjectCommand']],
  ] as const)('%s', async (_name, headers, status, expected) => {
    const { server, sent, destroy } = countingApp();
    const { method, ...rest } = headers as { method?: string; Range?: string };
    const res = await (method === 'HEAD' ? request(server).head(`/files/${UUID}/download`) : request(server).get(`/files/${UUID}/download`))
      .set(auth).set(rest).buffer(true).parse((r, done) => { const c: Buffer[] = []; r.on('data', (b: Buffer) => c.push(b)); r.on('end', () => done(null, Buffer.concat(c))); });
    destroy();
    expect(res.status).toBe(status);
    if (status === 206) expect(Buffer.compare(res.body as Buffer, rest.Range === 'bytes=-10' ? png.subarray(-10) : png.subarray(10, 20))).toBe(0);
    if (status === 200 && method !== 'HEAD') expect(Buffer.compare(res.body as Buffer, png)).toBe(0);
    expect(sent).toEqual(expected);
  });

  test('a revalidation is answered 304 by the store itself, in one request', async () => {
    const first = await request(app()).get(`/files/${UUID}/download`).set(auth);
    const { server, sent, destroy } = countingApp();
    const res = await request(server).get(`/files/${UUID}/download`).set(auth).set('If-None-Match', first.headers.etag!);
    destroy();
    expect(res.status).toBe(304);
    expect(res.headers.etag).toBe(first.headers.etag);
    expect(sent).toEqual(['GetObjectCommand']);
  });
});
