// Archive links served by any instance: manifests and learnt CRC-32s in a real redis-server.
import express from 'express';
import request from 'supertest';
import { createClient } from 'redis';
import { createDownloads, createSigner, memoryStorage, type IssuedArchiveBody } from '../../lib';
import { redisArchiveStore } from '../../lib/redis';
import { binary, pattern, SECRET } from '../helpers/app';
import { startRedis, type RedisServer } from '../helpers/redis-server';
import { readZip } from '../helpers/zip-reader';

type Client = ReturnType<typeof createClient>;
const signer = createSigner({ secret: SECRET, clockTolerance: 0 });
const VIDEO = pattern(500_000);

let redis: RedisServer;
const clients: Client[] = [];

async function connect(): Promise<Client> {
  const client = createClient({ url: redis.url, disableOfflineQueue: true, socket: { reconnectStrategy: () => 200 } });
  client.on('error', () => {});
  await client.connect();
  clients.push(client);
  return client;
}

/** One app instance: its own connection, storage view (counting trips) and routers. */
async function instance() {
  const storage = memoryStorage().put('v.bin', VIDEO).put('n.txt', 'notes\n');
  const opened: string[] = [];
  const open = storage.open.bind(storage);
  storage.open = (key) => { opened.push(key); return open(key); };
  const downloads = createDownloads({
    storage, signer, authorize: () => true,
    findFile: (id) => ({ v: { id: 'v', key: 'v.bin' }, n: { id: 'n', key: 'n.txt' } })[id] ?? null,
    archiveStore: redisArchiveStore({ client: await connect(), timeoutMs: 1000 }),
  });
  const app = express().use('/files', downloads.serveSignedArchive(), express.json(), downloads.issueArchiveUrl());
  return { app, opened };
}

beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterAll(async () => {
  for (const client of clients) if (client.isOpen) client.destroy();
  await redis.stop();
});

test('issued by one instance, served by another; a CRC-32 one learnt spares the other a re-read', async () => {
  const [one, two] = [await instance(), await instance()];
  const issued = await request(one.app).post('/files/archive-url').send({ file_ids: ['v', 'n'] });
  expect(issued.status).toBe(200);
  const url = new URL((issued.body as IssuedArchiveBody).download_url);
  const path = url.pathname + url.search;
  const whole = await request(two.app).get(path).buffer(true).parse(binary);
  expect(whole.status).toBe(200);
  expect(readZip(whole.body as Buffer).map((entry) => entry.bytes.length)).toEqual([VIDEO.length, 6]);
  // The CRC-32s are written after the transfer, without waiting: wait until both have landed (however slow the machine).
  const admin = await connect();
  while ((await admin.keys('esd:archive:c:*')).length < 2) await new Promise((done) => setTimeout(done, 20));
  expect((await admin.keys('esd:archive:c:*')).length).toBe(2);
  one.opened.length = 0;
  const start = 400_000;
  const rest = await request(one.app).get(path).set({ Range: `bytes=${start}-`, 'If-Range': whole.headers.etag as string }).buffer(true).parse(binary);
  expect([rest.status, (rest.body as Buffer).equals((whole.body as Buffer).subarray(start))]).toEqual([206, true]);
  // Only what the range sends is read: v.bin from its 400,000th byte on, then n.txt.
  expect(one.opened).toEqual(['v.bin', 'n.txt']);
  // The manifest is kept while the link (with the longest grace period) could be redeemed, and no longer.
  const [manifestKey] = await admin.keys('esd:archive:m:*');
  const ttl = await admin.pTTL(manifestKey!);
  const expires = (issued.body as IssuedArchiveBody).expires;
  expect(ttl).toBeGreaterThan((expires + 3600) * 1000 - Date.now() - 5000);
  expect(ttl).toBeLessThanOrEqual((expires + 3602) * 1000 - Date.now());
});

test('Redis failing: issuing fails cleanly (500 STORAGE_ERROR, no detail leaked)', async () => {
  const downloads = createDownloads({
    storage: memoryStorage().put('n.txt', 'x'), signer, authorize: () => true, findFile: (id) => (id === 'n' ? { id, key: 'n.txt' } : null),
    archiveStore: redisArchiveStore({ client: { eval: () => Promise.reject(new Error('connection refused')), evalSha: () => Promise.reject(new Error('connection refused')) } }),
  });
  const app = express().use('/files', express.json(), downloads.issueArchiveUrl());
  const res = await request(app).post('/files/archive-url').send({ file_ids: ['n'] });
  expect([res.status, res.body.error.code]).toEqual([500, 'STORAGE_ERROR']);
  expect(JSON.stringify(res.body)).not.toMatch(/connection refused|at /);
});
