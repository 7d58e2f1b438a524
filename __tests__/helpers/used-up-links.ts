// Issue 15, medium 1: a used-up counted link gives out nothing but the rest of a transfer
// it delivered before. Shared by the memory-store suite (both Express majors) and the
// Redis suite, so both stores answer every path the same way.
import express from 'express';
import request from 'supertest';
import { createDownloads, createSigner, memoryStorage, type UseStore } from '../../lib';
import { binary, pattern, SECRET } from './app';

const BODY = pattern(3000);

/** Headers that would tell a refused client something about the file. */
const FILE_HEADERS = ['etag', 'last-modified', 'content-range', 'content-disposition', 'accept-ranges'];

export function usedUpLinkSuite(storeFor: () => UseStore): void {
  const storage = memoryStorage().put('a.bin', BODY, { contentType: 'application/octet-stream' });
  const signer = createSigner({ secret: SECRET, clockTolerance: 0 });
  let app: express.Express;

  beforeEach(() => {
    const downloads = createDownloads({
      storage, signer, useStore: storeFor(),
      findFile: (id) => (id === 'a' ? { id: 'a', key: 'a.bin', tenant: 'acme' } : null),
      tenant: (req) => req.params.orgId,
      authorize: () => true,
    });
    app = express().use('/orgs/:orgId/files', downloads.serveSignedDownload(), downloads.issueDownloadUrl({ maxUses: 1 }));
  });

  async function issue(): Promise<string> {
    const res = await request(app).get('/orgs/acme/files/a/download-url');
    expect(res.status).toBe(200);
    const url = new URL(res.body.download_url as string);
    return url.pathname + url.search;
  }
  const get = (link: string, headers: Record<string, string> = {}) => request(app).get(link).set(headers).buffer(true).parse(binary);
  const head = (link: string, headers: Record<string, string> = {}) => request(app).head(link).set(headers);

  function expectUsedUp(res: request.Response): void {
    expect(res.status).toBe(410);
    for (const name of FILE_HEADERS) expect(res.headers[name]).toBeUndefined();
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    if (Buffer.isBuffer(res.body)) {
      expect(JSON.parse(res.body.toString()).error.code).toBe('LINK_USED_UP');
      expect(res.body.toString()).not.toContain(String(BODY.length));
    }
  }

  /** A link whose one use delivered the whole file; its ETag is the only proof of that answer. */
  async function usedLink(): Promise<{ link: string; etag: string; lastModified: string }> {
    const link = await issue();
    const first = await get(link);
    expect(first.status).toBe(200);
    expect(first.body).toEqual(BODY);
    return { link, etag: first.headers.etag as string, lastModified: first.headers['last-modified'] as string };
  }

  test('the link ETag is its own: not the file\'s, and different for every link to one file', async () => {
    const own = (await storage.stat('a.bin'))!.etag!;
    const one = await usedLink();
    const two = await usedLink();
    expect(one.etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect(one.etag).not.toBe(own);
    expect(two.etag).not.toBe(one.etag);
  });

  test.each([
    ['GET', {}],
    ['If-None-Match: * (was 304 with the validators)', { 'If-None-Match': '*' }],
    ['If-Modified-Since in the future (was 304)', { 'If-Modified-Since': new Date(Date.now() + 86_400_000).toUTCString() }],
    ['If-Match that fails (was 412)', { 'If-Match': '"nope"' }],
    ['If-Unmodified-Since long ago (was 412)', { 'If-Unmodified-Since': new Date(0).toUTCString() }],
    ['a range past the end (was 416 with the size)', { Range: 'bytes=999999-' }],
    ['a range from byte 0 with the link ETag (a new transfer, not the rest of one)', 'range-0'],
    ['a range with If-Range: the last modification date', 'range-date'],
    ['a range with If-Range: the file\'s own ETag, which size and time give away', 'range-file-etag'],
  ] as const)('after the last use, %s is 410 with nothing of the file', async (_name, how) => {
    const { link, etag, lastModified } = await usedLink();
    const own = (await storage.stat('a.bin'))!.etag!;
    const headers: Record<string, string> =
      how === 'range-0' ? { Range: 'bytes=0-', 'If-Range': etag }
          : how === 'range-date' ? { Range: 'bytes=1-', 'If-Range': lastModified }
            : how === 'range-file-etag' ? { Range: 'bytes=1-', 'If-Range': own }
              : how;
    expectUsedUp(await get(link, headers));
    expectUsedUp(await head(link, headers));
  });

  test("after the last use, a revalidation naming the link's own ETag is 304: it proves an earlier answer, learns nothing new, counts nothing", async () => {
    // Chromium 156 revalidates the media ranges it cached so (Range + If-None-Match + If-Modified-Since).
    const { link, etag, lastModified } = await usedLink();
    for (const headers of [{ 'If-None-Match': etag }, { Range: 'bytes=100-199', 'If-None-Match': etag, 'If-Modified-Since': lastModified }] as Record<string, string>[]) {
      const res = await get(link, headers);
      expect([res.status, res.body.length, res.headers.etag]).toEqual([304, 0, etag]);
    }
    expect((await head(link, { 'If-None-Match': etag })).status).toBe(304);
    // Anything that would deliver is still refused.
    expectUsedUp(await get(link));
    expectUsedUp(await get(link, { 'If-None-Match': '"another"' }));
  });

  test('the rest of the transfer it delivered is still served, as often as asked, with the exact bytes', async () => {
    const { link, etag } = await usedLink();
    for (let i = 0; i < 3; i++) {
      const rest = await get(link, { Range: 'bytes=1-', 'If-Range': etag });
      expect(rest.status).toBe(206);
      expect(rest.headers['content-range']).toBe(`bytes 1-${BODY.length - 1}/${BODY.length}`);
      expect(rest.body).toEqual(BODY.subarray(1));
    }
  });

  test('a link that was never used: HEAD and conditional answers count nothing, then the one GET, then 410', async () => {
    const link = await issue();
    const probe = await head(link);
    expect(probe.status).toBe(200);
    expect(probe.headers['content-length']).toBe(String(BODY.length));
    expect((await get(link, { 'If-Modified-Since': new Date(Date.now() + 86_400_000).toUTCString() })).status).toBe(304);
    expect((await get(link, { Range: 'bytes=999999-' })).status).toBe(416);
    const full = await get(link);
    expect(full.status).toBe(200);
    expect(full.body).toEqual(BODY);
    expectUsedUp(await get(link));
  });

  test('header-only answers never give out the link ETag: only an answer with bytes does (every version of the file needs one)', async () => {
    const link = await issue();
    expect((await head(link)).headers.etag).toBeUndefined();
    expect((await get(link, { 'If-None-Match': '*' })).headers.etag).toBeUndefined();
    expect((await get(link, { 'If-Modified-Since': new Date(Date.now() + 86_400_000).toUTCString() })).headers.etag).toBeUndefined();
    const first = await get(link, { Range: 'bytes=0-0' });
    expect(first.status).toBe(206);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"/);
    // A request that names the tag learns nothing new: it may see it again.
    expect((await head(link, { Range: 'bytes=1-', 'If-Range': etag })).headers.etag).toBe(etag);
    const rest = await get(link, { Range: 'bytes=1-', 'If-Range': etag });
    expect(rest.status).toBe(206);
    expect(rest.body).toEqual(BODY.subarray(1));
  });
}
