// Issue 16: two tenants whose files live in two Ceph RGW buckets, each reached with the tenant's own
// credentials (neither can read the other's bucket), and a third tenant on local disk; one mount.
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import express from 'express';
import request from 'supertest';
import { createDownloads, createSigner, fsStorage, memoryStorage, type FileRecord, type TenantConfig } from '../../lib';
import { s3Storage } from '../../lib/s3';
import { binary, tempFiles } from '../helpers/app';
import { S3_ENDPOINT } from './s3-env';

const credentials = {
  a: { accessKeyId: 'esdtenantakey', secretAccessKey: 'esdtenantasecret0123456789abcdef' },
  b: { accessKeyId: 'esdtenantbkey', secretAccessKey: 'esdtenantbsecret0123456789abcdef' },
};
const clientOf = (who: 'a' | 'b') => new S3Client({ endpoint: S3_ENDPOINT, region: 'us-east-1', forcePathStyle: true, credentials: credentials[who] });
const bucketOf = (who: string) => `esd-tenant-${who}-${process.pid}-${Date.now().toString(36)}`;

let disk: ReturnType<typeof tempFiles>;
let app: express.Express;
const buckets = { a: bucketOf('a'), b: bucketOf('b') };

beforeAll(async () => {
  for (const who of ['a', 'b'] as const) {
    const client = clientOf(who);
    await client.send(new CreateBucketCommand({ Bucket: buckets[who] }));
    await client.send(new PutObjectCommand({ Bucket: buckets[who], Key: 'report.txt', Body: `report of tenant ${who}`, ContentType: 'text/plain' }));
  }
  disk = tempFiles({ 'report.txt': 'report of tenant c' });
  const configs = new Map<string, TenantConfig>([
    ['a', { storage: s3Storage({ client: clientOf('a'), bucket: buckets.a }), keys: [{ kid: 'a', alg: 'HS256', secret: 'tenant-a-secret-that-is-at-least-32-bytes' }] }],
    ['b', { storage: s3Storage({ client: clientOf('b'), bucket: buckets.b }), keys: [{ kid: 'b', alg: 'HS256', secret: 'tenant-b-secret-that-is-at-least-32-bytes' }] }],
    ['c', { storage: fsStorage({ root: disk.root }) }],
  ]);
  const downloads = createDownloads({
    storage: memoryStorage(),
    signer: createSigner({ secret: 'shared-secret-that-is-at-least-32-bytes!!' }),
    findFile: (id, req): FileRecord => ({ id, key: 'report.txt', tenant: String(req.params.org) }),
    tenant: (req) => req.params.org,
    authorize: () => true,
    tenantConfig: (tenant) => configs.get(tenant) ?? null,
  });
  app = express().use('/orgs/:org/files', downloads.issueDownloadUrl(), downloads.serveSignedDownload(), downloads.redirectToPresigned());
}, 60_000);

afterAll(() => disk.cleanup());

test("one tenant's credentials cannot reach the other tenant's bucket (the gateway refuses)", async () => {
  await expect(clientOf('a').send(new GetObjectCommand({ Bucket: buckets.b, Key: 'report.txt' }))).rejects.toMatchObject({ name: 'AccessDenied' });
  await expect(clientOf('b').send(new GetObjectCommand({ Bucket: buckets.a, Key: 'report.txt' }))).rejects.toMatchObject({ name: 'AccessDenied' });
});

test.each([['a', 'report of tenant a'], ['b', 'report of tenant b'], ['c', 'report of tenant c']])('tenant %s: signed download from its own storage', async (org, body) => {
  const issued = await request(app).get(`/orgs/${org}/files/r1/download-url`);
  expect(issued.status).toBe(200);
  const url = new URL(issued.body.download_url as string);
  const res = await request(app).get(url.pathname + url.search).buffer(true).parse(binary);
  expect(res.status).toBe(200);
  expect(res.body.toString()).toBe(body);
});

test.each([['a', 'report of tenant a'], ['b', 'report of tenant b']])('tenant %s: the presigned redirect points at its own bucket, and the gateway serves it', async (org, body) => {
  const res = await request(app).get(`/orgs/${org}/files/r1/redirect`);
  expect(res.status).toBe(307);
  const location = new URL(res.headers.location as string);
  expect(location.pathname).toBe(`/${buckets[org as 'a' | 'b']}/report.txt`);
  const fetched = await fetch(location);
  expect(fetched.status).toBe(200);
  expect(await fetched.text()).toBe(body);
});

test('a link of tenant a on tenant b\'s path opens nothing', async () => {
  const issued = await request(app).get('/orgs/a/files/r1/download-url');
  const url = new URL(issued.body.download_url as string);
  expect((await request(app).get(url.pathname.replace('/orgs/a/', '/orgs/b/') + url.search)).status).toBe(401);
});
