// N-use links counted in a real redis-server shared by two app instances.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import request from 'supertest';
import { createClient } from 'redis';
import { createDownloads, createSigner, memoryStorage, type DownloadEvent } from '../../lib';
import { redisUseStore } from '../../lib/redis';
import { SECRET } from '../helpers/app';
import { startRedis, type RedisServer } from '../helpers/redis-server';

type Client = ReturnType<typeof createClient>;
const storage = memoryStorage().put('a.txt', 'hello from redis');
const signer = createSigner({ secret: SECRET, clockTolerance: 0 });

interface Instance {
  base: string;
  events: DownloadEvent[];
  client: Client;
  server: Server;
}

async function connect(url: string, queueWhileDown = false): Promise<Client> {
  // disableOfflineQueue: while Redis is down a command fails at once instead of waiting for a reconnect.
  const client = createClient({ url, disableOfflineQueue: !queueWhileDown, socket: { reconnectStrategy: () => 200 } });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** One app instance: its own Redis connection and routers, sharing the secret and the Redis server. */
async function instance(url: string, queueWhileDown = false): Promise<Instance> {
  const client = await connect(url, queueWhileDown);
  const events: DownloadEvent[] = [];
  const downloads = createDownloads({
    storage, signer,
    findFile: (id) => (id === 'a' ? { id: 'a', key: 'a.txt' } : null),
    authorize: () => true,
    useStore: redisUseStore({ client, timeoutMs: 1000 }),
    onEvent: (event) => { events.push(event); },
  });
  const app = express().use('/files', downloads.serveSignedDownload(), downloads.issueDownloadUrl({ maxUsesParam: 100 }));
  const server = await new Promise<Server>((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, events, client, server };
}

function closeClient(client: Client): void {
  // destroy(): at once, even while reconnecting to a stopped server.
  if (client.isOpen) client.destroy();
}

async function close(app: Instance): Promise<void> {
  app.server.closeAllConnections();
  await new Promise((resolve) => app.server.close(resolve));
  closeClient(app.client);
}

async function link(app: Instance, query: string): Promise<string> {
  const res = await request(app.base).get(`/files/a/download-url${query}`);
  expect(res.status).toBe(200);
  const url = new URL(res.body.download_url as string);
  return url.pathname + url.search;
}

let redis: RedisServer;
let one: Instance;
let two: Instance;
let admin: Client;

beforeAll(async () => {
  redis = await startRedis();
  [one, two, admin] = await Promise.all([instance(redis.url), instance(redis.url), connect(redis.url)]);
}, 30_000);

afterAll(async () => {
  await Promise.all([close(one), close(two)]);
  closeClient(admin);
  await redis.stop();
});

/** 50 requests at once, alternating between the two instances. */
async function stampede(path: string): Promise<number[]> {
  const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => request((i % 2 === 0 ? one : two).base).get(path)));
  for (const res of responses) if (res.status === 200) expect(res.text).toBe('hello from redis');
  return responses.map((res) => res.status);
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

test('50 concurrent requests on a single-use link, across two instances: exactly 1 download', async () => {
  const statuses = await stampede(await link(one, '?max_uses=1'));
  expect(count(statuses, 200)).toBe(1);
  expect(count(statuses, 410)).toBe(49);
});

test('a 3-use link: exactly 3 downloads, each instance reporting the shared count', async () => {
  const path = await link(two, '?max_uses=3');
  const statuses = await stampede(path);
  expect(count(statuses, 200)).toBe(3);
  expect(count(statuses, 410)).toBe(47);
  const uses = [...one.events, ...two.events]
    .filter((event) => event.type === 'served' && event.claims?.maxUses === 3)
    .map((event) => (event.type === 'served' ? event.uses : undefined))
    .sort();
  expect(uses).toEqual([1, 2, 3]);
});

test("the count lives in Redis under the prefix and the link's jti, and expires with the token", async () => {
  const path = await link(one, '?max_uses=2&expires_in=1');
  expect((await request(one.base).get(path)).status).toBe(200);
  const served = one.events.filter((event) => event.type === 'served').pop();
  const jti = served?.type === 'served' ? served.claims?.jti : undefined;
  expect(await admin.get(`esd:uses:${jti}`)).toBe('1');
  const ttl = await admin.pTTL(`esd:uses:${jti}`);
  // exp (1 s after issue) + grace 0 + clock tolerance 0 + 1 s margin
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(2000);
  await new Promise((resolve) => setTimeout(resolve, ttl + 100));
  expect(await admin.exists(`esd:uses:${jti}`)).toBe(0);
  expect((await request(one.base).get(path)).status).toBe(401);
});

test('after Redis forgets its scripts (restart, failover) the script is sent again', async () => {
  await admin.scriptFlush();
  const path = await link(one, '?max_uses=1');
  expect((await request(two.base).get(path)).status).toBe(200);
  expect((await request(one.base).get(path)).status).toBe(410);
});

test.each([
  ['a client that fails commands while disconnected', false, 500],
  ["node-redis's default client, which queues them until Redis is back (timeoutMs ends the wait)", true, 3000],
])('Redis stopped mid-test, %s: 503 USE_STORE_UNAVAILABLE and no download', async (_name, queueWhileDown, withinMs) => {
  const own = await startRedis();
  const app = await instance(own.url, queueWhileDown);
  try {
    const path = await link(app, '?max_uses=5');
    expect((await request(app.base).get(path)).status).toBe(200);
    await own.stop();
    const started = Date.now();
    const statuses = await Promise.all(Array.from({ length: 10 }, () => request(app.base).get(path)));
    for (const res of statuses) {
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('USE_STORE_UNAVAILABLE');
      expect(res.text).not.toContain('hello');
    }
    expect(Date.now() - started).toBeLessThan(withinMs);
    const failed = app.events.filter((event) => event.type === 'failed');
    expect(failed.length).toBe(10);
  } finally {
    await close(app);
  }
}, 20_000);
