import request from 'supertest';
import { startExample, pathOf, type RunningExample } from '../helpers/example';
import { startRedis, type RedisServer } from '../helpers/redis-server';

// examples/single-use-links as a user runs it, with REDIS_URL pointing at a real Redis.
let redis: RedisServer;
let example: RunningExample;
beforeAll(async () => {
  redis = await startRedis();
  example = await startExample('single-use-links', { REDIS_URL: redis.url });
}, 30_000);
afterAll(async () => {
  await example?.stop();
  await redis?.stop();
});

const alice = { Cookie: 'sid=alice-session' };

async function link(query = ''): Promise<string> {
  const res = await request(example.base).get(`/files/report/download-url${query}`).set(alice);
  expect(res.status).toBe(200);
  return pathOf(res.body.download_url as string);
}

test('it says where uses are counted', () => {
  expect(example.output()).toContain(`Use counts: Redis at ${redis.url}`);
});

test('a single-use link downloads once for its session, then 410; without the session 401', async () => {
  const path = await link();
  expect((await request(example.base).get(path)).status).toBe(401);
  const first = await request(example.base).get(path).set(alice);
  expect(first.status).toBe(200);
  expect(first.text).toBe('the quarterly numbers, for your eyes once\n');
  const again = await request(example.base).get(path).set(alice);
  expect(again.status).toBe(410);
  expect(again.body.error.code).toBe('LINK_USED_UP');
  await expect(example.waitFor(/^served report 200 use 1 of 1$/m)).resolves.toBeTruthy();
  await expect(example.waitFor(/^denied report 410 LINK_USED_UP$/m)).resolves.toBeTruthy();
});

test('a 3-use link, then revoking every link to the file', async () => {
  const path = await link('?max_uses=3');
  expect((await request(example.base).get(path).set(alice)).status).toBe(200);
  // Links issued before the revocation's second are refused; wait into the next second so this one is "before".
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const revoked = await request(example.base).post('/files/report/revoke-links').set(alice);
  expect(revoked.status).toBe(200);
  const refused = await request(example.base).get(path).set(alice);
  expect(refused.status).toBe(401);
  expect(refused.body.error.code).toBe('TOKEN_INVALID');
});
