import { S3Client } from '@aws-sdk/client-s3';
import { s3Storage } from '../../lib/s3';
import { storageConformance } from '../storage/conformance';
import { freshBucket, putObject, S3_ENDPOINT, testClient } from './s3-env';

const client = testClient();
afterAll(() => client.destroy());

storageConformance('s3Storage', async () => {
  const bucket = await freshBucket(client, 'conformance');
  return {
    adapter: s3Storage({ client, bucket, prefix: 'tenant-a/' }),
    put: (key, data) => putObject(client, bucket, `tenant-a/${key}`, data),
  };
});

describe('s3Storage keys and prefix', () => {
  let bucket: string;
  beforeAll(async () => {
    bucket = await freshBucket(client, 'prefix');
    await putObject(client, bucket, 'tenant-a/doc.txt', 'A');
    await putObject(client, bucket, 'tenant-b/doc.txt', 'B');
    await putObject(client, bucket, 'top.txt', 'top');
  });

  test('a key lives under the prefix; a missing trailing slash is added', async () => {
    await expect(s3Storage({ client, bucket, prefix: 'tenant-a' }).stat('doc.txt')).resolves.toMatchObject({ size: 1 });
    await expect(s3Storage({ client, bucket }).stat('top.txt')).resolves.toMatchObject({ size: 3, contentType: expect.any(String) });
  });

  test.each(['../tenant-b/doc.txt', 'x/../../tenant-b/doc.txt', './doc.txt', '/doc.txt', 'a//doc.txt', 'doc.txt\u0000', 'doc.txt\r\n'])(
    '%j never reaches another tenant or key',
    async (key) => {
      const storage = s3Storage({ client, bucket, prefix: 'tenant-a/' });
      await expect(storage.stat(key)).resolves.toBeNull();
      await expect(storage.open(key, { body: true })).resolves.toBeNull();
      await expect(storage.presign(key, { expiresIn: 60, disposition: 'inline' })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    },
  );

  test('failures other than a missing object are STORAGE_ERROR', async () => {
    // HeadObject cannot tell a missing bucket from a missing key; GetObject can.
    await expect(s3Storage({ client, bucket: 'no-such-bucket-esd' }).open('x', { body: true })).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    const wrongKeys = new S3Client({
      endpoint: S3_ENDPOINT, region: 'us-east-1', forcePathStyle: true,
      credentials: { accessKeyId: 'esdtestaccesskey', secretAccessKey: 'wrong-secret-wrong-secret-wrong!' },
    });
    await expect(s3Storage({ client: wrongKeys, bucket }).stat('top.txt')).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    await expect(s3Storage({ client: wrongKeys, bucket }).open('top.txt', { body: true })).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    wrongKeys.destroy();
  });

  test('presign clamps the lifetime to 7 days and signs the disposition and type in', async () => {
    const presigned = await s3Storage({ client, bucket }).presign('top.txt', {
      expiresIn: 30 * 86400, disposition: 'attachment; filename=top.txt', contentType: 'text/plain',
    });
    const url = new URL(typeof presigned === 'string' ? presigned : presigned.url);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('604800');
    expect(url.searchParams.get('response-content-disposition')).toBe('attachment; filename=top.txt');
    expect(url.searchParams.get('response-content-type')).toBe('text/plain');
  });

  test('start-up checks name the fix', () => {
    expect(() => s3Storage({ client, bucket: '' })).toThrow(/`bucket` is required/);
    expect(() => s3Storage({ client: {} as S3Client, bucket })).toThrow(/`client` must be an S3Client/);
    expect(() => s3Storage({ client, bucket, prefix: '../x/' })).toThrow(/`prefix` must be a plain key prefix/);
    expect(() => s3Storage({ client, bucket, presignCache: { reuseFraction: 0.9 } })).toThrow(/reuseFraction/);
    expect(() => s3Storage({ client, bucket, buckt: 'x' } as never)).toThrow(/Did you mean `bucket`\?/);
  });
});
