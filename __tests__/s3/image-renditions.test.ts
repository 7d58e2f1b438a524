import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import express from 'express';
import sharp from 'sharp';
import request from 'supertest';
import { createDownloads, createSigner } from '../../lib';
import { imageRenditions, storageVariants } from '../../lib/images';
import { s3Storage } from '../../lib/s3';
import { binary, SECRET } from '../helpers/app';
import { hasGpsDirectory, phonePhoto } from '../helpers/images';
import { freshBucket, putObject, testClient } from './s3-env';

// Renditions with the source in a bucket of the test gateway (Ceph RGW) and
// the variants kept under a prefix of another: rendered once, then served
// from the gateway to a second app instance that never reads the source.

const client = testClient();
afterAll(() => client.destroy());

let sources: string;
let cache: string;
let photo: Buffer;

beforeAll(async () => {
  photo = await phonePhoto();
  [sources, cache] = await Promise.all([freshBucket(client, 'rendition-sources'), freshBucket(client, 'rendition-variants')]);
  await putObject(client, sources, 'acme/photo.jpg', photo, 'image/jpeg');
  await putObject(client, sources, 'acme/upload', photo, 'image/jpeg');
});

function instance() {
  const source = s3Storage({ client, bucket: sources });
  let reads = 0;
  const counted = {
    ...source,
    open: (key: string, options: Parameters<typeof source.open>[1]) => {
      if (options.body) reads++;
      return source.open(key, options);
    },
  };
  const downloads = createDownloads({
    storage: counted,
    signer: createSigner({ secret: SECRET }),
    findFile: (id: string) => ({ id, key: id === 'upload' ? 'acme/upload' : 'acme/photo.jpg' }),
    authorize: () => true,
    renditions: imageRenditions({
      presets: { thumb: { width: 200, height: 200, fit: 'cover', format: 'webp' } },
      variants: storageVariants(s3Storage({ client, bucket: cache }), { prefix: 'variants/' }),
    }),
  });
  const app = express();
  app.use('/files', downloads.issueDownloadUrl(), downloads.serveSignedDownload());
  return { app, reads: () => reads };
}

const get = (app: express.Express, path: string, headers: Record<string, string> = {}) => request(app).get(path).set(headers).buffer(true).parse(binary);

async function variantKeys(): Promise<string[]> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: cache, Prefix: 'variants/' }));
  return (listed.Contents ?? []).map((object) => object.Key!);
}

test('a source in a bucket is rendered once, its variant stored under the prefix, and served to another instance from there', async () => {
  const one = instance();
  const issued = await request(one.app).get('/files/photo/download-url?rendition=thumb');
  const link = new URL(issued.body.download_url as string);
  const path = link.pathname + link.search;
  const first = await get(one.app, path);
  expect([first.status, first.headers['content-type']]).toEqual([200, 'image/webp']);
  const meta = await sharp(first.body).metadata();
  expect([meta.width, meta.height, meta.exif, hasGpsDirectory(meta.exif)]).toEqual([200, 200, undefined, false]);
  expect(one.reads()).toBe(1);

  // The save may trail the answer: wait until the gateway lists it (a short pause between listings, not a deadline).
  let keys: string[] = [];
  while ((keys = await variantKeys()).length === 0) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(keys).toEqual([expect.stringMatching(/^variants\/[A-Za-z0-9_-]{2}\/[A-Za-z0-9_-]{32}\.webp$/)]);
  const head = await client.send(new HeadObjectCommand({ Bucket: cache, Key: keys[0] }));
  expect([head.ContentType, head.ContentLength]).toEqual(['image/webp', first.body.length]);

  const two = instance();
  const second = await get(two.app, path);
  expect(second.body.equals(first.body)).toBe(true);
  expect(second.headers.etag).toBe(first.headers.etag);
  expect(two.reads()).toBe(0);
  // A range of the stored variant comes from the gateway with the variant's own validator.
  const part = await get(two.app, path, { Range: 'bytes=10-19', 'If-Range': first.headers.etag! });
  expect([part.status, part.headers['content-range']]).toEqual([206, `bytes 10-19/${first.body.length}`]);
  expect(part.body.equals(first.body.subarray(10, 20))).toBe(true);
  expect(two.reads()).toBe(0);
});

test('a key without an extension is rendered by the type the gateway stores, and a replaced source makes a new variant', async () => {
  const app = instance();
  const issued = await request(app.app).get('/files/upload/download-url?rendition=thumb');
  const link = new URL(issued.body.download_url as string);
  const first = await get(app.app, link.pathname + link.search);
  expect([first.status, first.headers['content-type'], first.headers['content-disposition']]).toEqual([200, 'image/webp', 'inline; filename=upload.webp']);
  await putObject(client, sources, 'acme/upload', await phonePhoto(1000, 600), 'image/jpeg');
  const second = await get(app.app, link.pathname + link.search);
  expect(second.status).toBe(200);
  expect(second.headers.etag).not.toBe(first.headers.etag);
  expect(app.reads()).toBe(2);
});
