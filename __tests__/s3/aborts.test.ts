// Fault injection on S3 proxying: 1,000 downloads through the app, each aborted by its client after
// the first chunk, must leave no socket checked out of the SDK's agent, no descriptor and no server
// connection behind, and the app must serve whole files afterwards.
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import express from 'express';
import { readdirSync } from 'node:fs';
import { Agent, get as httpGet, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveDownload, type ServedEvent } from '../../lib';
import { s3Storage } from '../../lib/s3';
import { freshBucket, putObject, S3_ENDPOINT } from './s3-env';

/** The SDK's pool: small, so one socket leaked per abort stalls the run within a few requests. */
const MAX_SOCKETS = 8;
const sdkAgent = new Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
// As testClient() in s3-env.ts, but keeping the agent so its sockets can be counted.
const client = new S3Client({
  endpoint: S3_ENDPOINT,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'esdtestaccesskey', secretAccessKey: 'esdtestsecretkey0123456789abcdef' },
  requestHandler: new NodeHttpHandler({ httpAgent: sdkAgent }),
});
afterAll(() => client.destroy());

const SIZE = 8 * 1024 * 1024;
const BIG = Buffer.alloc(SIZE);
for (let i = 0; i < SIZE; i++) BIG[i] = (i * 7 + 3) % 256;
const TOTAL = 1000;
const CONCURRENCY = 50;

const count = (pool: NodeJS.ReadOnlyDict<unknown[]>) => Object.values(pool).reduce((sum, list) => sum + (list?.length ?? 0), 0);
/** Sockets lent to a request right now, idle in the pool, and requests waiting for one. */
const sdkSockets = () => ({ active: count(sdkAgent.sockets), idle: count(sdkAgent.freeSockets), queued: count(sdkAgent.requests) });
const openFds = () => readdirSync('/proc/self/fd').length;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${ms} ms`);
    await delay(20);
  }
}

function connections(server: Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((error, n) => (error ? reject(error) : resolve(n))));
}

function download(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer; complete: boolean }> {
  return new Promise((resolve, reject) => {
    httpGet(url, { agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

test('1,000 proxied downloads aborted after the first chunk: SDK sockets, descriptors and connections back to baseline', async () => {
  const bucket = await freshBucket(client, 'aborts');
  await putObject(client, bucket, 'big.bin', BIG, 'application/octet-stream');
  const { etag } = (await s3Storage({ client, bucket }).stat('big.bin'))!;

  const served: ServedEvent[] = [];
  const app = express();
  app.use('/files', serveDownload({
    storage: s3Storage({ client, bucket }),
    // Size and ETag on the record, as the README recommends: no HeadObject per request, only the GetObject under test.
    findFile: (id) => ({ id, key: id, size: SIZE, etag: etag! }),
    authorize: () => true,
    onEvent: (event) => { if (event.type === 'served') served.push(event); },
  }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files/big.bin/download`;

  try {
    const warm = await download(url);
    expect([warm.status, warm.complete, warm.body.length]).toEqual([200, true, SIZE]);
    expect(Buffer.compare(warm.body, BIG)).toBe(0);
    await until(async () => (await connections(server)) === 0 && sdkSockets().active === 0, 5000, 'an idle start');
    served.length = 0;
    const baseline = { fds: openFds(), ...sdkSockets() };
    const started = Date.now();

    const statuses: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < TOTAL) {
        next++;
        await new Promise<void>((resolve, reject) => {
          // A socket leaked per abort would leave the rest waiting for the SDK's pool forever.
          const stalled = setTimeout(() => reject(new Error(`no first chunk in 10 s; SDK sockets ${JSON.stringify(sdkSockets())}`)), 10_000);
          httpGet(url, { agent: false }, (res) => {
            statuses.push(res.statusCode ?? 0);
            res.once('data', () => {
              clearTimeout(stalled);
              res.on('error', () => undefined);
              res.destroy();
              resolve();
            });
          }).on('error', (error) => {
            clearTimeout(stalled);
            reject(error);
          });
        });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const elapsed = Date.now() - started;

    expect(statuses).toHaveLength(TOTAL);
    expect(statuses.filter((status) => status === 200)).toHaveLength(TOTAL);
    await until(() => served.length === TOTAL, 10_000, `${TOTAL} served events`);
    expect(served.filter((event) => event.status === 200 && event.aborted && event.bytes < SIZE)).toHaveLength(TOTAL);
    await until(async () => (await connections(server)) === 0, 10_000, 'the server\'s connections back to 0');
    // Every GetObject aborted: nothing lent out, nothing waiting, the pool within its bound.
    await until(() => sdkSockets().active === 0 && sdkSockets().queued === 0, 10_000, 'no SDK socket in use');
    // Descriptors: the baseline, give or take the pool's idle keep-alive sockets (counted exactly).
    await until(() => openFds() - sdkSockets().idle <= baseline.fds - baseline.idle, 10_000, 'descriptors back to baseline');
    const after = { fds: openFds(), ...sdkSockets(), connections: await connections(server) };
    expect(after.idle).toBeLessThanOrEqual(MAX_SOCKETS);
    // eslint-disable-next-line no-console
    console.log(`${TOTAL} aborts in ${elapsed} ms; before ${JSON.stringify(baseline)}; after ${JSON.stringify(after)}; `
      + `mean bytes sent before the abort ${Math.round(served.reduce((sum, event) => sum + event.bytes, 0) / served.length)}`);

    // The app still serves a whole file, and a range, from the same SDK pool.
    const whole = await download(url);
    expect([whole.status, whole.complete, whole.body.length]).toEqual([200, true, SIZE]);
    expect(Buffer.compare(whole.body, BIG)).toBe(0);
    const ranged = await download(url, { Range: 'bytes=1000000-1000999' });
    expect(ranged.status).toBe(206);
    expect(ranged.headers['content-range']).toBe(`bytes 1000000-1000999/${SIZE}`);
    expect(Buffer.compare(ranged.body, BIG.subarray(1_000_000, 1_001_000))).toBe(0);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}, 60_000);
