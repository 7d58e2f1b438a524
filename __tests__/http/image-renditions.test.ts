import express from 'express';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import {
  createDownloads, createSigner, fsStorage, memoryStorage, serveDownload, type FileRecord, type OpenOptions, type SharedOptions, type StorageAdapter,
} from '../../lib';
import { imageRenditions, memoryVariants, storageVariants, type ImageRenditionsOptions, type VariantStore } from '../../lib/images';
import { binary, SECRET, tempFiles } from '../helpers/app';
import { animatedGif, hasGpsDirectory, hostileSvg, noisyPng, phonePhoto, pngBomb, transparentPng } from '../helpers/images';

// Renditions over real HTTP, on real images made by sharp: what a link binds,
// what is rendered (sizes, formats, metadata), what is refused, and how often
// a source is read (renders are counted where the source's bytes are read).

const PRESETS: ImageRenditionsOptions['presets'] = {
  thumb: { width: 256, height: 256, fit: 'cover' },
  wide: { width: 640 },
  webp: { width: 320, format: 'webp', quality: 70 },
  origin: { width: 100, format: 'origin' },
  large: { width: 500, format: 'png' },
};

let photo: Buffer;
let png: Buffer;
let gif: Buffer;
let noise: Buffer;
const corrupt = () => photo.subarray(0, 2000);

beforeAll(async () => {
  [photo, png, gif, noise] = await Promise.all([phonePhoto(), transparentPng(), animatedGif(), noisyPng()]);
});

const records: Record<string, FileRecord> = {
  photo: { id: 'photo', key: 'photo.jpg', tenant: 'acme' },
  png: { id: 'png', key: 'alpha.png', tenant: 'acme' },
  gif: { id: 'gif', key: 'moving.gif', tenant: 'acme' },
  svg: { id: 'svg', key: 'drawing.svg', tenant: 'acme' },
  disguised: { id: 'disguised', key: 'drawing.jpg', tenant: 'acme' },
  pdf: { id: 'pdf', key: 'report.pdf', tenant: 'acme' },
  bomb: { id: 'bomb', key: 'bomb.png', tenant: 'acme' },
  corrupt: { id: 'corrupt', key: 'corrupt.jpg', tenant: 'acme' },
  other: { id: 'other', key: 'other.jpg', tenant: 'globex' },
  noise: { id: 'noise', key: 'noise.png', tenant: 'acme' },
  versioned: { id: 'versioned', key: 'photo.jpg', filename: 'Photo.jpg', etag: '"v1"', tenant: 'acme' },
  named: { id: 'named', key: 'blob-1', filename: 'Holiday.JPG', contentType: 'image/jpeg', tenant: 'acme' },
};

/** The source storage, recording every read of bytes (a render) and able to hold reads until released. */
class SourceStorage implements StorageAdapter {
  readonly inner = memoryStorage();
  readonly reads: string[] = [];
  /** Lookups without bytes (a source's type and version). */
  readonly lookups: string[] = [];
  #held: { key: string; release: () => void }[] = [];
  #holding = false;
  #waiters: (() => void)[] = [];

  fill(): this {
    this.inner.put('photo.jpg', photo).put('alpha.png', png).put('moving.gif', gif).put('drawing.svg', hostileSvg).put('drawing.jpg', hostileSvg)
      .put('report.pdf', '%PDF-1.4').put('bomb.png', pngBomb()).put('corrupt.jpg', corrupt()).put('other.jpg', photo).put('blob-1', photo)
      .put('noise.png', noise);
    return this;
  }

  /** From now on, reads of bytes wait for {@link releaseAll}. */
  hold(): void {
    this.#holding = true;
  }

  /** Resolves once `count` reads are being held. */
  async heldReads(count: number): Promise<string[]> {
    while (this.#held.length < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.#held.map((read) => read.key);
  }

  releaseAll(): void {
    this.#holding = false;
    for (const read of this.#held.splice(0)) read.release();
  }

  async open(key: string, options: OpenOptions) {
    if (!options.body) this.lookups.push(key);
    if (options.body) {
      this.reads.push(key);
      if (this.#holding) {
        await new Promise<void>((release) => {
          this.#held.push({ key, release });
          for (const waiter of this.#waiters.splice(0)) waiter();
        });
      }
    }
    return this.inner.open(key);
  }
}

/** memoryVariants, telling when a request has looked for its variant: its render is queued a few microtasks later. */
class ObservedStore implements VariantStore {
  readonly #inner = memoryVariants();
  #opens = 0;
  #waiters: (() => void)[] = [];

  async open(key: string, options: OpenOptions) {
    this.#opens++;
    for (const waiter of this.#waiters.splice(0)) waiter();
    return this.#inner.open(key, options);
  }

  save(key: string, bytes: Buffer, contentType: string) {
    return this.#inner.save(key, bytes, contentType);
  }

  /** Resolves once `count` lookups were made and the microtasks after the last have run (its render is queued). */
  async looked(count: number): Promise<void> {
    while (this.#opens < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function setup(renditions: Partial<ImageRenditionsOptions> = {}, shared: Partial<SharedOptions> = {}) {
  const storage = new SourceStorage().fill();
  const downloads = createDownloads({
    storage,
    signer: createSigner({ secret: SECRET }),
    findFile: (id: string) => records[id] ?? null,
    tenant: (req) => req.params.orgId,
    authenticate: (req) => (req.get('x-api-key') === 'key' ? { user: 'alice' } : null),
    authorize: () => true,
    renditions: imageRenditions({ presets: PRESETS, ...renditions }),
    ...shared,
  });
  const app = express();
  app.use('/orgs/:orgId/files', downloads.issueDownloadUrl(), downloads.issueDownloadUrls(), downloads.serveSignedDownload(), downloads.serveDownload());
  return { app, storage, downloads };
}

const get = (app: express.Express, path: string, headers: Record<string, string> = {}) => request(app).get(path).set(headers).buffer(true).parse(binary);
/** A request sent now (supertest sends only once awaited), to be awaited later. */
const send = (app: express.Express, path: string, headers: Record<string, string> = {}): Promise<request.Response> =>
  new Promise((resolve, reject) => {
    get(app, path, headers).then(resolve, reject);
  });

/** Issues a link for `id` with `query` and returns its path and the issued body. */
async function issue(app: express.Express, id: string, query: string, tenant = 'acme') {
  const res = await request(app).get(`/orgs/${tenant}/files/${id}/download-url?${query}`).set('X-API-Key', 'key');
  expect(res.status).toBe(200);
  const url = new URL(res.body.download_url as string);
  return { path: url.pathname + url.search, body: res.body as Record<string, unknown> };
}

const metadataOf = (bytes: Buffer) => sharp(bytes).metadata();

describe('a link binds its rendition', () => {
  test('?rendition=thumb issues a link that serves a 256 × 256 image; the issued body names the rendition', async () => {
    const { app } = setup();
    const { path, body } = await issue(app, 'photo', 'rendition=thumb');
    expect(body.rendition).toBe('thumb');
    const res = await get(app, path, { Accept: 'image/webp,*/*' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/webp');
    expect(res.headers['content-disposition']).toBe('inline; filename=photo.webp');
    const meta = await metadataOf(res.body);
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 256, 256]);
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
  });

  test('the query of a signed link cannot change size, format or quality: the token decides', async () => {
    const { app } = setup({ custom: true });
    const { path } = await issue(app, 'photo', 'rendition=thumb');
    const plain = await get(app, path, { Accept: 'image/webp' });
    for (const extra of ['&rendition=wide', '&width=2000&format=png', '&quality=100']) {
      const res = await get(app, path + extra, { Accept: 'image/webp' });
      expect(res.status).toBe(200);
      expect(res.body.equals(plain.body)).toBe(true);
    }
  });

  test('a link without a rendition serves the original bytes', async () => {
    const { app } = setup();
    const { path } = await issue(app, 'photo', '');
    const res = await get(app, path);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.body.equals(photo)).toBe(true);
  });

  test('a rendition claim changed in the token is a forgery: 401', async () => {
    const { app } = setup();
    const { path } = await issue(app, 'photo', 'rendition=thumb');
    const token = new URL(path, 'http://x').searchParams.get('token')!;
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, rn: 'wide' })).toString('base64url')}.${signature}`;
    const res = await get(app, path.replace(token, forged));
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body.toString()).error.code).toBe('TOKEN_INVALID');
  });

  test('signUrl({ rendition }) binds a preset; an unknown one is a TypeError', async () => {
    const { app, downloads } = setup();
    const signed = await downloads.signUrl({ fileId: 'photo', tenant: 'acme', baseUrl: 'http://127.0.0.1/orgs/acme/files', rendition: 'wide' });
    const url = new URL(signed.url);
    const res = await get(app, url.pathname + url.search, { Accept: 'image/jpeg' });
    expect(res.status).toBe(200);
    expect(await metadataOf(res.body).then((meta) => [meta.width, meta.height])).toEqual([640, 960]); // shown upright, 800 × 1200
    await expect(downloads.signUrl({ fileId: 'photo', tenant: 'acme', baseUrl: 'http://127.0.0.1/orgs/acme/files', rendition: 'huge' })).rejects.toThrow(/not a preset; the presets are thumb, wide, webp, origin/);
  });

  test('the batch router binds ?rendition= into every link it issues', async () => {
    const { app } = setup();
    const res = await request(app).post('/orgs/acme/files/download-urls?rendition=thumb').set('X-API-Key', 'key').send({ file_ids: ['photo', 'png'] });
    expect(res.status).toBe(200);
    const sizes = [];
    for (const entry of res.body.download_urls as { download_url: string; rendition: string }[]) {
      expect(entry.rendition).toBe('thumb');
      const url = new URL(entry.download_url);
      const image = await get(app, url.pathname + url.search, { Accept: 'image/webp' });
      sizes.push(await metadataOf(image.body).then((meta) => [meta.width, meta.height]));
    }
    // The 300 × 200 PNG is cropped to 256 wide, never enlarged to 256 high.
    expect(sizes).toEqual([[256, 256], [256, 200]]);
  });
});

describe('parameters and limits', () => {
  test('an unknown preset is 422 at issue, naming the presets', async () => {
    const { app } = setup();
    const res = await request(app).get('/orgs/acme/files/photo/download-url?rendition=huge').set('X-API-Key', 'key');
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { parameter: 'rendition', reason: 'unknown_preset', allowed: ['thumb', 'wide', 'webp', 'origin', 'large'] } });
  });

  test('free parameters are refused unless custom is on', async () => {
    const { app } = setup();
    const res = await request(app).get('/orgs/acme/files/photo/download-url?width=300').set('X-API-Key', 'key');
    expect(res.status).toBe(422);
    expect(res.body.error.details).toMatchObject({ parameter: 'width', reason: 'not_allowed' });
  });

  test('with custom: free parameters within maxSide are bound; out of bounds is 422', async () => {
    const { app } = setup({ custom: true, maxSide: 1000 });
    const { path, body } = await issue(app, 'photo', 'width=300&height=200&fit=fill&format=png');
    expect(body.rendition).toBe('~w=300;h=200;fit=fill;q=80;f=png');
    const res = await get(app, path);
    expect(res.headers['content-type']).toBe('image/png');
    expect(await metadataOf(res.body).then((meta) => [meta.format, meta.width, meta.height])).toEqual(['png', 300, 200]);
    for (const [query, parameter, reason] of [
      ['width=1001', 'width', 'out_of_range'], ['width=0', 'width', 'out_of_range'], ['width=1e3', 'width', 'out_of_range'],
      ['quality=10', 'quality', 'out_of_range'], ['fit=crop', 'fit', 'not_allowed'], ['format=svg', 'format', 'not_allowed'],
      ['width=10&width=20', 'width', 'repeated'], ['rendition=thumb&width=10', 'rendition', 'not_allowed'],
      // Found by the outside round: 'outside' covered the box past maxSide; a repeated preset named the presets instead;
      // a bracketed name was ignored, and the link silently served the original (with its GPS position).
      ['width=300&height=300&fit=outside', 'fit', 'not_allowed'], ['rendition=thumb&rendition=wide', 'rendition', 'repeated'],
      ['rendition%5B%5D=thumb', 'rendition[]', 'malformed'], ['rendition[a]=thumb', 'rendition[a]', 'malformed'], ['width%5B%5D=100', 'width[]', 'malformed'],
    ]) {
      const refused = await request(app).get(`/orgs/acme/files/photo/download-url?${query}`).set('X-API-Key', 'key');
      expect([query, refused.status, refused.body.error.details.parameter, refused.body.error.details.reason]).toEqual([query, 422, parameter, reason]);
    }
  });

  test('a PNG rendition binds no quality: any quality asked for is one variant, rendered once', async () => {
    const { app, storage } = setup({ custom: true });
    const bound = await Promise.all(['30', '90'].map(async (quality) => (await issue(app, 'photo', `width=120&format=png&quality=${quality}`))));
    expect(bound.map(({ body }) => body.rendition)).toEqual(['~w=120;h=;fit=cover;q=80;f=png', '~w=120;h=;fit=cover;q=80;f=png']);
    for (const { path } of bound) expect((await get(app, path)).status).toBe(200);
    expect(storage.reads).toEqual(['photo.jpg']);
  });

  test("a preset with fit 'outside' is refused at start-up", () => {
    expect(() => imageRenditions({ presets: { big: { width: 100, height: 100, fit: 'outside' as never } } })).toThrow(/preset big: fit must be one of cover, contain, fill, inside/);
  });

  test('no side is ever larger than maxSide, and no image is enlarged', async () => {
    const { app } = setup({ presets: { small: { width: 100 } }, custom: true, maxSide: 500 });
    // Height alone: the width follows the aspect ratio (800 × 1200 upright), within maxSide.
    const tall = await get(app, (await issue(app, 'photo', 'height=500&format=jpeg')).path);
    expect(await metadataOf(tall.body).then((meta) => [meta.width, meta.height])).toEqual([333, 500]);
    const small = await get(app, (await issue(app, 'png', 'width=500&format=png')).path);
    expect(await metadataOf(small.body).then((meta) => [meta.width, meta.height])).toEqual([300, 200]);
  });

  test('presets are checked at start-up, with messages that say how to fix them', () => {
    expect(() => imageRenditions({ presets: { big: { width: 4000 } } })).toThrow('imageRenditions: preset big: width must be an integer number of pixels from 1 to 2500.');
    expect(() => imageRenditions({ presets: { 'a b': { width: 10 } } })).toThrow(/preset name "a b" must be/);
    expect(() => imageRenditions({ presets: { t: { widht: 10 } as never } })).toThrow(/unknown option `widht`/);
    expect(() => imageRenditions({ presets: {} })).toThrow(/no rendition could ever be asked for/);
    expect(() => imageRenditions({ presets: [{ width: 256 }] as never })).toThrow(/`presets` must be an object of named presets, not an array/);
    expect(() => imageRenditions({} as never)).toThrow(/`presets` is required/);
    expect(() => imageRenditions({ presets: { t: { width: 10 } }, autoFormats: ['gif'] as never })).toThrow(/autoFormats/);
    expect(() => createDownloads({ storage: memoryStorage(), findFile: () => null, renditions: { presets: {} } as never })).toThrow(/must be made by imageRenditions/);
  });

  test('?rendition= where no renditions are configured is 422, never the original', async () => {
    const plain = express();
    plain.use('/files', serveDownload({ storage: memoryStorage().put('photo.jpg', photo), findFile: (id) => ({ id, key: 'photo.jpg' }), authorize: () => true }));
    const res = await request(plain).get('/files/photo/download?rendition=thumb');
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual({ parameter: 'rendition', in: 'query', reason: 'not_configured' });
    const bracketed = await request(plain).get('/files/photo/download?rendition%5B%5D=thumb');
    expect([bracketed.status, bracketed.body.error.details]).toEqual([422, { parameter: 'rendition[]', in: 'query', reason: 'malformed' }]);
  });

  test('a link that binds a rendition, redeemed where no renditions are configured, is the same 422, never the original', async () => {
    const { app } = setup();
    const { path } = await issue(app, 'photo', 'rendition=thumb');
    const plain = express();
    plain.use('/orgs/:orgId/files', createDownloads({
      storage: memoryStorage().put('photo.jpg', photo), signer: createSigner({ secret: SECRET }), findFile: (id: string) => records[id] ?? null, tenant: (req) => req.params.orgId,
    }).serveSignedDownload());
    const res = await get(plain, path);
    expect(res.status).toBe(422);
    expect(JSON.parse(res.body.toString()).error).toEqual({
      code: 'VALIDATION_ERROR', status: 422,
      message: 'rendition is not accepted here: no renditions are configured (the renditions option).',
      details: { parameter: 'rendition', in: 'token', reason: 'not_configured' },
    });
  });
});

describe('formats', () => {
  test("'auto' negotiates AVIF, then WebP, from Accept, else JPEG; every answer says Vary: Accept", async () => {
    const { app } = setup();
    const { path } = await issue(app, 'photo', 'rendition=thumb');
    for (const [accept, type] of [
      ['image/avif,image/webp,image/apng,image/*,*/*;q=0.8', 'image/avif'],
      ['image/webp,*/*', 'image/webp'],
      ['image/avif;q=0,image/webp', 'image/webp'],
      ['image/*,*/*;q=0.8', 'image/jpeg'],
      ['', 'image/jpeg'],
    ] as const) {
      const res = await get(app, path, accept === '' ? {} : { Accept: accept });
      expect([accept, res.status, res.headers['content-type']]).toEqual([accept, 200, type]);
      expect(res.headers.vary).toBe('Accept');
      const format = (await metadataOf(res.body)).format;
      expect(format).toBe({ 'image/avif': 'heif', 'image/webp': 'webp', 'image/jpeg': 'jpeg' }[type]);
    }
  });

  test('a source that may be transparent falls back to PNG, keeping its alpha', async () => {
    const { app } = setup();
    const res = await get(app, (await issue(app, 'png', 'rendition=thumb')).path, { Accept: '*/*' });
    expect(res.headers['content-type']).toBe('image/png');
    expect((await metadataOf(res.body)).hasAlpha).toBe(true);
  });

  test("a fixed format does not vary; 'origin' keeps the source's format and the name's extension", async () => {
    const { app } = setup();
    const webp = await get(app, (await issue(app, 'photo', 'rendition=webp')).path, { Accept: 'image/avif' });
    expect([webp.headers['content-type'], webp.headers.vary]).toEqual(['image/webp', undefined]);
    const origin = await get(app, (await issue(app, 'named', 'rendition=origin')).path, { Accept: 'image/webp' });
    expect(origin.headers['content-type']).toBe('image/jpeg');
    expect(origin.headers['content-disposition']).toBe('inline; filename=Holiday.jpg');
  });
});

describe('safe by default', () => {
  test('EXIF orientation is applied, and no metadata survives: no EXIF (GPS, camera), XMP, IPTC or ICC', async () => {
    const source = await metadataOf(photo);
    expect([source.orientation, hasGpsDirectory(source.exif), photo.includes('PhoneCo')]).toEqual([6, true, true]);
    const { app } = setup();
    for (const accept of ['image/avif', 'image/webp', '*/*']) {
      const res = await get(app, (await issue(app, 'photo', 'rendition=wide')).path, { Accept: accept });
      const meta = await metadataOf(res.body);
      // 1200 × 800 stored, shown upright as 800 × 1200: 640 wide is 960 high.
      expect([accept, meta.width, meta.height, meta.orientation]).toEqual([accept, 640, 960, undefined]);
      expect([meta.exif, meta.xmp, meta.iptc, meta.icc]).toEqual([undefined, undefined, undefined, undefined]);
      expect(res.body.includes('PhoneCo')).toBe(false);
      // The red half of the landscape pixels is the top once turned upright.
      const { data } = await sharp(res.body).extract({ left: 320, top: 100, width: 1, height: 1 }).raw().toBuffer({ resolveWithObject: true });
      expect(data[0]).toBeGreaterThan(150);
    }
  });

  test('SVG and PDF are never rendered, whatever their name: 415 IMAGE_UNSUPPORTED', async () => {
    const { app, storage } = setup();
    for (const id of ['svg', 'pdf', 'disguised']) {
      const res = await get(app, (await issue(app, id, 'rendition=thumb')).path);
      expect([id, res.status, JSON.parse(res.body.toString()).error.code]).toEqual([id, 415, 'IMAGE_UNSUPPORTED']);
    }
    // The SVG named .jpg was read (to find out what it is) but not rendered: its bytes are no image.
    expect(storage.reads).toEqual(['drawing.jpg']);
  });

  test('a decompression bomb is refused from its header: 422 IMAGE_INVALID too_many_pixels', async () => {
    const { app } = setup();
    const res = await get(app, (await issue(app, 'bomb', 'rendition=thumb')).path);
    expect(res.status).toBe(422);
    expect(JSON.parse(res.body.toString()).error).toMatchObject({ code: 'IMAGE_INVALID', details: { reason: 'too_many_pixels' } });
  });

  test('maxInputPixels and maxInputBytes bound what is rendered', async () => {
    const { app } = setup({ maxInputPixels: 500_000 });
    const pixels = await get(app, (await issue(app, 'photo', 'rendition=thumb')).path);
    expect([pixels.status, JSON.parse(pixels.body.toString()).error.details.reason]).toEqual([422, 'too_many_pixels']);
    const small = setup({ maxInputBytes: 1000 });
    const bytes = await get(small.app, (await issue(small.app, 'photo', 'rendition=thumb')).path);
    expect([bytes.status, JSON.parse(bytes.body.toString()).error.details.reason]).toEqual([422, 'too_large']);
    expect(small.storage.reads).toEqual(['photo.jpg']);
  });

  test('a corrupt image is 422 IMAGE_INVALID, without a stack trace, and the server goes on', async () => {
    const { app } = setup();
    const res = await get(app, (await issue(app, 'corrupt', 'rendition=thumb')).path);
    expect(res.status).toBe(422);
    const body = res.body.toString();
    expect(JSON.parse(body).error).toMatchObject({ code: 'IMAGE_INVALID', details: { reason: 'undecodable' } });
    expect(body).not.toMatch(/at |vips|jpeg/i);
    expect((await get(app, (await issue(app, 'photo', 'rendition=thumb')).path)).status).toBe(200);
  });

  test("an animated GIF renders its first frame; animated: 'refuse' answers 415", async () => {
    const { app } = setup();
    const first = await get(app, (await issue(app, 'gif', 'rendition=origin')).path);
    const meta = await metadataOf(first.body);
    expect([first.headers['content-type'], meta.pages ?? 1, meta.width]).toEqual(['image/gif', 1, 64]);
    const refusing = setup({ animated: 'refuse' });
    const refused = await get(refusing.app, (await issue(refusing.app, 'gif', 'rendition=thumb')).path);
    expect([refused.status, JSON.parse(refused.body.toString()).error.details.reason]).toEqual([415, 'animated']);
  });

  test('a rendition keeps the disposition the link asked for, and nosniff', async () => {
    const { app } = setup();
    const res = await get(app, (await issue(app, 'photo', 'rendition=thumb&disposition=attachment')).path, { Accept: 'image/webp' });
    expect(res.headers['content-disposition']).toBe('attachment; filename=photo.webp');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('rendered once, served like a file', () => {
  test('the second request is served from the store; a changed source makes a new variant', async () => {
    const { app, storage } = setup();
    const { path } = await issue(app, 'photo', 'rendition=thumb');
    const first = await get(app, path, { Accept: 'image/webp' });
    const second = await get(app, path, { Accept: 'image/webp' });
    expect(second.body.equals(first.body)).toBe(true);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(storage.reads).toEqual(['photo.jpg']);
    // Another format is another variant.
    await get(app, path, { Accept: 'image/avif' });
    expect(storage.reads).toHaveLength(2);
    storage.inner.put('photo.jpg', await phonePhoto(1000, 600));
    const changed = await get(app, path, { Accept: 'image/webp' });
    expect(changed.headers.etag).not.toBe(first.headers.etag);
    expect(storage.reads).toHaveLength(3);
  });

  test('ETag, 304, HEAD and Range on a variant', async () => {
    const { app } = setup();
    const { path } = await issue(app, 'photo', 'rendition=wide');
    const whole = await get(app, path, { Accept: 'image/webp' });
    const { etag } = whole.headers;
    expect(etag).toMatch(/^"r-[A-Za-z0-9_-]{32}"$/);
    const notModified = await get(app, path, { Accept: 'image/webp', 'If-None-Match': etag! });
    expect([notModified.status, notModified.body.length]).toEqual([304, 0]);
    const head = await request(app).head(path).set('Accept', 'image/webp');
    expect([head.status, head.headers['content-length'], head.headers.etag]).toEqual([200, String(whole.body.length), etag]);
    const part = await get(app, path, { Accept: 'image/webp', Range: 'bytes=100-199', 'If-Range': etag! });
    expect([part.status, part.headers['content-range']]).toEqual([206, `bytes 100-199/${whole.body.length}`]);
    expect(part.body.equals(whole.body.subarray(100, 200))).toBe(true);
    const beyond = await get(app, path, { Accept: 'image/webp', Range: `bytes=${whole.body.length}-` });
    expect([beyond.status, beyond.headers['content-range']]).toEqual([416, `bytes */${whole.body.length}`]);
  });

  test('a record that states its type and version is believed: a stored hit looks nothing up in the source; a new version renders anew', async () => {
    const { app, storage } = setup();
    const { path } = await issue(app, 'versioned', 'rendition=thumb');
    const first = await get(app, path, { Accept: 'image/webp' });
    expect([first.status, first.headers['content-type']]).toEqual([200, 'image/webp']);
    storage.lookups.length = 0;
    const second = await get(app, path, { Accept: 'image/webp' });
    expect(second.body.equals(first.body)).toBe(true);
    expect([storage.lookups, storage.reads]).toEqual([[], ['photo.jpg']]);
    records.versioned!.etag = '"v2"';
    try {
      const changed = await get(app, path, { Accept: 'image/webp' });
      expect(changed.status).toBe(200);
      expect(changed.headers.etag).not.toBe(first.headers.etag);
      expect(storage.reads).toEqual(['photo.jpg', 'photo.jpg']);
    } finally {
      records.versioned!.etag = '"v1"';
    }
  });

  test('a variant larger than one write (64 KiB) is served whole when rendered and when stored, and in ranges', async () => {
    const { app, storage } = setup();
    const { path } = await issue(app, 'noise', 'rendition=large');
    const rendered = await get(app, path);
    expect([rendered.status, rendered.headers['content-type']]).toEqual([200, 'image/png']);
    expect(rendered.body.length).toBeGreaterThan(64 * 1024);
    expect(Number(rendered.headers['content-length'])).toBe(rendered.body.length);
    expect(await metadataOf(rendered.body).then((meta) => [meta.format, meta.width])).toEqual(['png', 500]);
    const stored = await get(app, path);
    expect(stored.body.equals(rendered.body)).toBe(true);
    const part = await get(app, path, { Range: 'bytes=60000-130000' });
    expect([part.status, part.headers['content-range']]).toEqual([206, `bytes 60000-130000/${rendered.body.length}`]);
    expect(part.body.equals(rendered.body.subarray(60000, 130001))).toBe(true);
    expect(storage.reads).toEqual(['noise.png']);
  });

  test('concurrent first requests for one variant render it once', async () => {
    const { app, storage } = setup();
    const { path } = await issue(app, 'photo', 'rendition=thumb');
    const answers = await Promise.all(Array.from({ length: 12 }, () => get(app, path, { Accept: 'image/webp' })));
    expect(answers.map((res) => res.status)).toEqual(Array(12).fill(200));
    expect(new Set(answers.map((res) => res.body.toString('base64'))).size).toBe(1);
    expect(storage.reads).toEqual(['photo.jpg']);
  });

  test('storageVariants over fsStorage keeps variants on disk, shared by a second app instance', async () => {
    const dir = tempFiles({});
    try {
      const variants = storageVariants(fsStorage({ root: dir.root }), { prefix: 'variants/' });
      const one = setup({ variants });
      const { path } = await issue(one.app, 'photo', 'rendition=thumb');
      const first = await get(one.app, path, { Accept: 'image/webp' });
      // The save may trail the answer: wait for the file, not for a time.
      const stored = () => (existsSync(join(dir.root, 'variants')) ? readdirSync(join(dir.root, 'variants'), { recursive: true }).filter((name) => String(name).endsWith('.webp')) : []);
      while (stored().length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      const two = setup({ variants });
      const second = await get(two.app, path, { Accept: 'image/webp' });
      expect(second.body.equals(first.body)).toBe(true);
      expect(second.headers.etag).toBe(first.headers.etag);
      expect(two.storage.reads).toEqual([]);
    } finally {
      dir.cleanup();
    }
  });

  test('a store that fails costs a render, never an answer', async () => {
    const failing: VariantStore = { open: () => Promise.reject(new Error('store down')), save: () => Promise.reject(new Error('store down')) };
    const { app, storage } = setup({ variants: failing });
    const { path } = await issue(app, 'photo', 'rendition=thumb');
    for (let i = 0; i < 2; i++) expect((await get(app, path, { Accept: 'image/webp' })).status).toBe(200);
    expect(storage.reads.length).toBeGreaterThanOrEqual(1);
  });

  test('memoryVariants evicts the least recently used past maxBytes', async () => {
    const { app, storage } = setup({ variants: memoryVariants({ maxBytes: 1 }) });
    const { path } = await issue(app, 'photo', 'rendition=thumb');
    await get(app, path, { Accept: 'image/webp' });
    await get(app, path, { Accept: 'image/webp' });
    // Nothing fits in one byte: each request renders.
    expect(storage.reads).toEqual(['photo.jpg', 'photo.jpg']);
  });
});

describe('bounded', () => {
  test('renders wait their turn; past queue.max the answer is 503 RENDER_BUSY with Retry-After', async () => {
    const variants = new ObservedStore();
    const { app, storage } = setup({ custom: true, concurrency: 1, queue: { max: 2, perTenant: 2 }, variants });
    const paths = await Promise.all([100, 110, 120].map(async (width) => (await issue(app, 'photo', `width=${width}&format=jpeg`)).path));
    storage.hold();
    const first = send(app, paths[0]!);
    await storage.heldReads(1);
    const second = send(app, paths[1]!);
    await variants.looked(2);
    const refused = await get(app, paths[2]!);
    expect([refused.status, JSON.parse(refused.body.toString()).error.code]).toEqual([503, 'RENDER_BUSY']);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    storage.releaseAll();
    expect([(await first).status, (await second).status]).toEqual([200, 200]);
    expect((await get(app, paths[2]!)).status).toBe(200);
    expect(storage.reads).toEqual(['photo.jpg', 'photo.jpg', 'photo.jpg']);
  });

  test('one tenant cannot fill the queue: past perTenant only that tenant gets 503', async () => {
    const variants = new ObservedStore();
    const { app, storage } = setup({ custom: true, concurrency: 1, queue: { max: 10, perTenant: 2 }, variants });
    const acme = await Promise.all([100, 110, 120].map(async (width) => (await issue(app, 'photo', `width=${width}&format=jpeg`)).path));
    const globex = (await issue(app, 'other', 'width=100&format=jpeg', 'globex')).path;
    storage.hold();
    const running = send(app, acme[0]!);
    await storage.heldReads(1);
    const waiting = send(app, acme[1]!);
    await variants.looked(2);
    const busy = await get(app, acme[2]!);
    expect([busy.status, JSON.parse(busy.body.toString()).error.code]).toEqual([503, 'RENDER_BUSY']);
    const other = send(app, globex);
    await variants.looked(4);
    storage.releaseAll();
    expect((await Promise.all([running, waiting, other])).map((res) => res.status)).toEqual([200, 200, 200]);
  });

  test('waiting renders are taken from the tenants in turn', async () => {
    const variants = new ObservedStore();
    const { app, storage } = setup({ custom: true, concurrency: 1, queue: { max: 10, perTenant: 5 }, variants });
    const acme = await Promise.all([100, 110, 120, 130].map(async (width) => (await issue(app, 'photo', `width=${width}&format=jpeg`)).path));
    const globex = (await issue(app, 'other', 'width=100&format=jpeg', 'globex')).path;
    storage.hold();
    const answers = [send(app, acme[0]!)];
    await storage.heldReads(1);
    // acme queues three renders, then globex one: globex's goes second, not fourth.
    for (const [index, path] of [...acme.slice(1), globex].entries()) {
      answers.push(send(app, path));
      await variants.looked(index + 2);
    }
    // Release one render at a time; the order of the source reads is the order of the renders.
    for (let render = 1; render <= 5; render++) {
      await storage.heldReads(1);
      storage.releaseAll();
      if (render < 5) storage.hold();
    }
    expect((await Promise.all(answers)).map((res) => res.status)).toEqual([200, 200, 200, 200, 200]);
    expect(storage.reads).toEqual(['photo.jpg', 'photo.jpg', 'other.jpg', 'photo.jpg', 'photo.jpg']);
  });
});

describe('every router that serves bytes', () => {
  test('serveDownload takes ?rendition= directly, after authentication', async () => {
    const { app } = setup();
    expect((await get(app, '/orgs/acme/files/photo/download?rendition=thumb')).status).toBe(401);
    const res = await get(app, '/orgs/acme/files/photo/download?rendition=thumb', { 'X-API-Key': 'key', Accept: 'image/webp' });
    expect([res.status, res.headers['content-type'], res.headers['cache-control']]).toEqual([200, 'image/webp', 'private, no-cache']);
    expect(await metadataOf(res.body).then((meta) => [meta.width, meta.height])).toEqual([256, 256]);
    const unknown = await get(app, '/orgs/acme/files/photo/download?rendition=huge', { 'X-API-Key': 'key' });
    expect(unknown.status).toBe(422);
  });

  test('JSON mode answers the rendition as base64', async () => {
    const { app } = setup({}, { json: { maxBytes: 1024 * 1024 } });
    const { path } = await issue(app, 'photo', 'rendition=webp');
    const res = await request(app).get(path).set('Accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ contentType: 'image/webp', filename: 'photo.webp' });
    const bytes = Buffer.from(res.body.data as string, 'base64');
    expect(await metadataOf(bytes).then((meta) => [meta.format, meta.width])).toEqual(['webp', 320]);
  });

  test('a presigned link cannot carry a rendition: 422', async () => {
    const storage = memoryStorage().put('photo.jpg', photo);
    const presigning = { open: (key: string) => storage.open(key), presign: async () => 'http://127.0.0.1:1/x' };
    const downloads = createDownloads({ storage: presigning, findFile: (id: string) => ({ id, key: 'photo.jpg' }), authorize: () => true, renditions: imageRenditions({ presets: PRESETS }) });
    const app = express();
    app.use('/files', downloads.issueDownloadUrl({ mode: 'presigned' }), downloads.redirectToPresigned());
    for (const path of ['/files/photo/download-url?rendition=thumb', '/files/photo/redirect?rendition=thumb']) {
      const res = await request(app).get(path);
      expect([path, res.status, res.body.error.details.reason]).toEqual([path, 422, 'not_with_presigned']);
    }
  });
});
