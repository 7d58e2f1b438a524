// Issue 15, medium 1, with use counts in a real redis-server (the Express 4 run is the redis-express4 project).
import { createClient } from 'redis';
import { redisUseStore } from '../../lib/redis';
import { usedUpLinkSuite } from '../helpers/used-up-links';
import { startRedis, type RedisServer } from '../helpers/redis-server';

let redis: RedisServer;
let client: ReturnType<typeof createClient>;

beforeAll(async () => {
  redis = await startRedis();
  client = createClient({ url: redis.url });
  client.on('error', () => {});
  await client.connect();
});

afterAll(async () => {
  client.destroy();
  await redis.stop();
});

describe(`a used-up link (redisUseStore, Express ${String(require('express/package.json').version)})`, () => usedUpLinkSuite(() => redisUseStore({ client, timeoutMs: 5000 })));
