// 10. Proxy mode over S3: how many requests reach the gateway per download.
// One GetObject carries the Range and the validators, so a download, a range,
// a HEAD or a revalidation each cost the store one request (it used to be
// HeadObject + GetObject). Runs against the local Ceph RADOS Gateway
// (scripts/s3-test-server.sh, started when not up); counts, not speed.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '../../scripts/s3-test-server.sh');
const DOWNLOADS = 20;

function gatewayUp() {
  try {
    execFileSync(SCRIPT, ['status'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const s3Proxy = {
  name: 's3-proxy',
  title: 'serveDownload over s3Storage: gateway requests per download',
  async run(ctx) {
    const started = !gatewayUp();
    if (started) {
      ctx.log('  starting the local S3 gateway (scripts/s3-test-server.sh)…');
      execFileSync(SCRIPT, ['start'], { stdio: 'ignore', timeout: 180_000 });
    }
    try {
      return await count(ctx);
    } finally {
      if (started) execFileSync(SCRIPT, ['stop'], { stdio: 'ignore' });
    }
  },
  lines: ({ summary }) => Object.entries(summary.requestsPerDownload).map(([kind, n]) => `  ${kind.padEnd(22)} ${n} gateway request(s) per download`),
};

async function count(ctx) {
  const { S3Client, CreateBucketCommand, PutObjectCommand } = await import('@aws-sdk/client-s3');
  const { default: express } = await import('express');
  const { serveDownload } = await import('express-signed-downloads');
  const { s3Storage } = await import('express-signed-downloads/s3');
  const client = new S3Client({
    endpoint: 'http://127.0.0.1:7480', region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: 'esdtestaccesskey', secretAccessKey: 'esdtestsecretkey0123456789abcdef' },
  });
  let sent = 0;
  client.middlewareStack.add((next) => async (args) => {
    sent++;
    return next(args);
  }, { step: 'initialize', name: 'countGatewayRequests' });
  const bucket = `bench-${Date.now().toString(36)}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'file.bin', Body: Buffer.alloc(1024 * 1024, 7) }));
  sent = 0;
  const app = express();
  app.use(serveDownload({ storage: s3Storage({ client, bucket }), findFile: (id) => ({ id, key: 'file.bin' }), authorize: () => true }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${server.address().port}/f/download`;
  const etag = (await fetch(url, { method: 'HEAD' })).headers.get('etag');
  const kinds = {
    'GET (whole file)': { init: {}, status: 200 },
    'GET with Range': { init: { headers: { Range: 'bytes=1000-1999' } }, status: 206 },
    HEAD: { init: { method: 'HEAD' }, status: 200 },
    'GET If-None-Match': { init: { headers: { 'If-None-Match': etag } }, status: 304 },
  };
  const requestsPerDownload = {};
  try {
    for (const [kind, { init, status }] of Object.entries(kinds)) {
      sent = 0;
      for (let i = 0; i < DOWNLOADS; i++) {
        const res = await fetch(url, init);
        await res.arrayBuffer();
        if (res.status !== status) throw new Error(`${kind}: status ${res.status}, expected ${status}`);
      }
      requestsPerDownload[kind] = sent / DOWNLOADS;
      ctx.log(`  ${kind}: ${sent} gateway requests for ${DOWNLOADS} downloads`);
    }
  } finally {
    server.close();
    client.destroy();
  }
  return { summary: { requestsPerDownload }, rounds: [] };
}
