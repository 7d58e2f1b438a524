import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';

/** The test cluster of scripts/s3-test-server.sh. */
export const S3_ENDPOINT = 'http://127.0.0.1:7480';

/** A real SDK client for the local gateway; `maxSockets` is small so a leaked socket shows up as a hang. */
export function testClient(maxSockets = 50): S3Client {
  return new S3Client({
    endpoint: S3_ENDPOINT,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'esdtestaccesskey', secretAccessKey: 'esdtestsecretkey0123456789abcdef' },
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets }) }),
  });
}

let counter = 0;

/** A fresh bucket for one test file. */
export async function freshBucket(client: S3Client, stem: string): Promise<string> {
  const bucket = `esd-${stem}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

export async function putObject(client: S3Client, bucket: string, key: string, body: Buffer | string, contentType?: string): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}
