// S3 set-up shared by the S3 examples: a client for S3_ENDPOINT (default: the
// local gateway of scripts/s3-test-server.sh) and the sample objects they serve.
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

export function s3FromEnv() {
  const client = new S3Client({
    endpoint: process.env.S3_ENDPOINT ?? 'http://127.0.0.1:7480',
    region: process.env.S3_REGION ?? 'us-east-1',
    forcePathStyle: true,
    credentials: {
      accessKeyId: process.env.S3_ACCESS_KEY_ID ?? 'esdtestaccesskey',
      secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? 'esdtestsecretkey0123456789abcdef',
    },
  });
  return { client, bucket: process.env.S3_BUCKET ?? 'esd-examples' };
}

/** Creates the bucket if needed and uploads `objects` ({ key: { body, contentType } }). */
export async function seedBucket(client, bucket, objects) {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  }
  for (const [key, { body, contentType }] of Object.entries(objects)) {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
  }
}
