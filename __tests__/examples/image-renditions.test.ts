import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { binary } from '../helpers/app';
import { hasGpsDirectory } from '../helpers/images';
import { pathOf, startExample, type RunningExample } from '../helpers/example';

// The image renditions example as a user runs it: the printed thumbnail
// link, issuing, free parameters, the page's srcset, and variants on disk.
const original = readFileSync(resolve(__dirname, '../../examples/image-renditions/files/sunset.jpg'));
const variantsRoot = mkdtempSync(join(tmpdir(), 'esd-example-variants-'));
const API_KEY = 'test-key';

let example: RunningExample;
beforeAll(async () => {
  example = await startExample('image-renditions', { VARIANTS_DIR: variantsRoot, API_KEY });
});
afterAll(async () => {
  await example.stop();
  rmSync(variantsRoot, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) => request(example.base).get(path).set(headers).buffer(true).parse(binary);
const printed = (name: string) => new RegExp(`^\\s*${name}="(.+)"$`, 'm').exec(example.output())![1]!;
const metadataOf = (res: request.Response) => sharp(res.body as Buffer).metadata();

test('the printed thumbnail link serves a 256 × 256 AVIF to a browser that takes it, with no camera data; its query cannot change it', async () => {
  const link = pathOf(printed('THUMB_URL'));
  const res = await get(link, { Accept: 'image/avif,image/webp,*/*' });
  expect([res.status, res.headers['content-type'], res.headers.vary]).toEqual([200, 'image/avif', 'Accept']);
  const meta = await metadataOf(res);
  expect([meta.format, meta.width, meta.height, meta.exif]).toEqual(['heif', 256, 256, undefined]);
  const widened = await get(`${link}&width=1800`, { Accept: 'image/avif,image/webp,*/*' });
  expect(Buffer.compare(widened.body as Buffer, res.body as Buffer)).toBe(0);
  // The original still carries the phone's GPS position; the rendition above carried no EXIF at all.
  expect(hasGpsDirectory((await sharp(original).metadata()).exif)).toBe(true);
});

test('issuing binds the rendition: the issued link serves the thumbnail; the key is required', async () => {
  const issued = await request(example.base).get('/files/sunset/download-url?rendition=thumb').set('X-API-Key', API_KEY);
  expect([issued.status, issued.body.rendition]).toEqual([200, 'thumb']);
  const res = await get(pathOf(issued.body.download_url as string), { Accept: 'image/jpeg' });
  expect(await metadataOf(res).then((meta) => [meta.format, meta.width, meta.height])).toEqual(['jpeg', 256, 256]);
  expect((await request(example.base).get('/files/sunset/download-url?rendition=thumb')).status).toBe(401);
});

test('free parameters within maxSide, and 422 past it', async () => {
  const res = await get('/files/sunset/download?width=800&format=webp', { 'X-API-Key': API_KEY });
  expect([res.status, res.headers['content-type'], res.headers['content-disposition']]).toEqual([200, 'image/webp', 'inline; filename=Sunset.webp']);
  expect(await metadataOf(res).then((meta) => [meta.width, meta.height])).toEqual([800, 533]);
  const tooWide = await request(example.base).get('/files/sunset/download?width=5000').set('X-API-Key', API_KEY);
  expect([tooWide.status, tooWide.body.error.code, tooWide.body.error.details.parameter]).toEqual([422, 'VALIDATION_ERROR', 'width']);
});

test("the page's srcset names three signed renditions, each at its width; the variants are kept on disk", async () => {
  const page = await request(example.base).get('/');
  expect(page.status).toBe(200);
  const srcset = /srcset="([^"]+)"/.exec(page.text)![1]!;
  const candidates = srcset.split(', ').map((candidate) => candidate.split(' ') as [string, string]);
  expect(candidates.map(([, width]) => width)).toEqual(['320w', '640w', '1280w']);
  for (const [link, width] of candidates) {
    const res = await get(link.replaceAll('&amp;', '&'), { Accept: 'image/webp' });
    expect([res.status, res.headers['content-type']]).toEqual([200, 'image/webp']);
    expect((await metadataOf(res)).width).toBe(Number.parseInt(width, 10));
  }
  // Saved after the answer: wait for the three files, never for a time.
  const stored = () => readdirSync(variantsRoot, { recursive: true }).filter((name) => String(name).endsWith('.webp'));
  while (stored().length < 3) await new Promise((done) => setTimeout(done, 10));
});
