import { createHash } from 'node:crypto';
import type { UseResult, UseStore } from './use-store';

/**
 * The part of a node-redis (v4 or v5) client this store uses. Any client
 * with these two methods works, including a cluster client.
 */
export interface RedisScriptClient {
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Options of {@link redisUseStore}. */
export interface RedisUseStoreOptions {
  /** A connected node-redis client (`createClient(...).connect()`). */
  client: RedisScriptClient;
  /** Key prefix (default `'esd:uses:'`); the link's `jti` follows it. */
  prefix?: string | undefined;
  /**
   * Milliseconds to wait for Redis before refusing the download with 503
   * (default 2000). A client that queues commands while reconnecting would
   * otherwise hold every download until Redis is back.
   */
  timeoutMs?: number | undefined;
}

// One server-side step: read, compare, count and set the expiry together, so
// concurrent uses on any number of app instances cannot both take the last one.
const CONSUME = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= tonumber(ARGV[1]) then return {0, used} end
used = redis.call('INCR', KEYS[1])
if used == 1 then redis.call('PEXPIREAT', KEYS[1], ARGV[2]) end
return {1, used}
`;
// A script too, so the client needs no more than eval and evalSha.
const USES = "return tonumber(redis.call('GET', KEYS[1]) or '0')";

const script = (source: string) => ({ source, sha: createHash('sha1').update(source).digest('hex') });
const SCRIPTS = { consume: script(CONSUME), uses: script(USES) };

function resultOf(reply: unknown): UseResult {
  if (!Array.isArray(reply) || reply.length !== 2 || !reply.every((n) => typeof n === 'number')) {
    throw new Error(`redisUseStore: unexpected script reply ${JSON.stringify(reply)}`);
  }
  return { allowed: reply[0] === 1, used: reply[1] as number };
}

/**
 * Use counts in Redis, shared by every app instance: one Lua script per use
 * (atomic on the server), keys expiring with their token. Import it from
 * `express-signed-downloads/redis`; the `redis` package is an optional peer.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { createDownloads } from 'express-signed-downloads';
 * import { redisUseStore } from 'express-signed-downloads/redis';
 *
 * const redis = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', disableOfflineQueue: true });
 * await redis.connect();
 * const downloads = createDownloads({
 *   storage, signer,
 *   findFile: (id) => db.documents.findById(id),
 *   useStore: redisUseStore({ client: redis }),
 * });
 * app.use('/files', downloads.issueDownloadUrl({ maxUses: 1 })); // single-use links, counted across instances
 * ```
 */
export function redisUseStore(options: RedisUseStoreOptions): UseStore {
  const client = options?.client;
  if (typeof client?.eval !== 'function' || typeof client.evalSha !== 'function') {
    throw new TypeError('redisUseStore: pass { client }, a connected node-redis client: createClient({ url }) from the `redis` package, after await client.connect().');
  }
  const prefix = options.prefix ?? 'esd:uses:';
  if (typeof prefix !== 'string') throw new TypeError("redisUseStore: prefix must be a string such as 'esd:uses:'.");
  const timeoutMs = options.timeoutMs ?? 2000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new RangeError('redisUseStore: timeoutMs must be a positive integer number of milliseconds.');

  // By hash, as Redis caches scripts: the source goes over the wire only when
  // the cache is empty (after a restart or failover).
  const run = async ({ source, sha }: { source: string; sha: string }, call: { keys: string[]; arguments: string[] }): Promise<unknown> => {
    try {
      return await client.evalSha(sha, call);
    } catch (error) {
      if (!/NOSCRIPT/.test(String((error as Error)?.message))) throw error;
      return client.eval(source, call);
    }
  };

  const inTime = async <T>(work: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`redisUseStore: no answer from Redis within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    consume(jti, maxUses, expiresAt) {
      return inTime(run(SCRIPTS.consume, { keys: [prefix + jti], arguments: [String(maxUses), String(expiresAt.getTime())] }).then(resultOf));
    },
    async uses(jti) {
      const reply = await inTime(run(SCRIPTS.uses, { keys: [prefix + jti], arguments: [] }));
      return typeof reply === 'number' ? reply : 0;
    },
  };
}
