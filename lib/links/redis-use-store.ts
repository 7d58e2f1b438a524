import type { UseResult, UseStore } from './use-store';
import { redisScript, scriptRunner, type RedisScriptClient } from './redis-scripts';

export type { RedisScriptClient } from './redis-scripts';

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

const SCRIPTS = { consume: redisScript(CONSUME), uses: redisScript(USES) };

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
  const prefix = options?.prefix ?? 'esd:uses:';
  if (typeof prefix !== 'string') throw new TypeError("redisUseStore: prefix must be a string such as 'esd:uses:'.");
  const run = scriptRunner('redisUseStore', options?.client, options?.timeoutMs);

  return {
    consume(jti, maxUses, expiresAt) {
      return run(SCRIPTS.consume, { keys: [prefix + jti], arguments: [String(maxUses), String(expiresAt.getTime())] }).then(resultOf);
    },
    async uses(jti) {
      const reply = await run(SCRIPTS.uses, { keys: [prefix + jti], arguments: [] });
      return typeof reply === 'number' ? reply : 0;
    },
  };
}
