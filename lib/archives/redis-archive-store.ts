import { createHash } from 'node:crypto';
import { redisScript, scriptRunner, type RedisScriptClient } from '../links/redis-scripts';
import type { ArchiveStore } from './archive-store';
import { isCrc32 } from './crc-memory';

/** Options of {@link redisArchiveStore}. */
export interface RedisArchiveStoreOptions {
  /** A connected node-redis client (`createClient(...).connect()`); Redis 7.0 or later. */
  client: RedisScriptClient;
  /** Key prefix (default `'esd:archive:'`); `m:` + a manifest's digest, or `c:` + a hash of a member's version, follows it. */
  prefix?: string | undefined;
  /** Milliseconds to wait for Redis (default 2000): past it, issuing fails with 500 and downloads re-learn their CRC-32s. */
  timeoutMs?: number | undefined;
  /** Seconds a learnt CRC-32 is kept (default 30 days). */
  crcSeconds?: number | undefined;
}

// A manifest is the same text for the same digest: a second link to the same
// archive only extends how long it is kept (never shortens it).
const SET_MANIFEST = `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('PEXPIREAT', KEYS[1], ARGV[2], 'GT') end
return redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
`;
const GET = "return redis.call('GET', KEYS[1])";
const MGET = "return redis.call('MGET', unpack(KEYS))";
const SET_CRC = "return redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])";
const SCRIPTS = { setManifest: redisScript(SET_MANIFEST), get: redisScript(GET), mget: redisScript(MGET), setCrc: redisScript(SET_CRC) };

/** Keys per MGET: Lua's unpack stops near 8,000 values. */
const MGET_BATCH = 1000;

/**
 * Archive manifests and learnt CRC-32s in Redis, shared by every app
 * instance: a link issued by one is served by any, and a CRC-32 one
 * instance learnt spares the others a re-read. Import it from
 * `express-signed-downloads/redis`; the `redis` package is an optional peer.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { createDownloads } from 'express-signed-downloads';
 * import { redisArchiveStore } from 'express-signed-downloads/redis';
 *
 * const redis = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', disableOfflineQueue: true });
 * await redis.connect();
 * const downloads = createDownloads({
 *   storage, signer,
 *   findFile: (id) => db.documents.findById(id),
 *   archiveStore: redisArchiveStore({ client: redis }), // a link issued by one instance is served by any
 * });
 * ```
 */
export function redisArchiveStore(options: RedisArchiveStoreOptions): ArchiveStore {
  const where = 'redisArchiveStore';
  const prefix = options?.prefix ?? 'esd:archive:';
  if (typeof prefix !== 'string') throw new TypeError(`${where}: prefix must be a string such as 'esd:archive:'.`);
  const crcSeconds = options?.crcSeconds ?? 30 * 24 * 3600;
  if (!Number.isInteger(crcSeconds) || crcSeconds < 1) throw new RangeError(`${where}: crcSeconds must be a positive integer number of seconds.`);
  const run = scriptRunner(where, options?.client, options?.timeoutMs);
  // A member's version may be long (a 1 KiB key): its hash keeps keys short.
  const crcKey = (key: string) => `${prefix}c:${createHash('sha256').update(key).digest('base64url')}`;
  const crcOf = (value: unknown) => {
    const crc = typeof value === 'string' && /^[0-9]{1,10}$/.test(value) ? Number(value) : undefined;
    return isCrc32(crc) ? crc : null;
  };

  return {
    async getManifest(digest) {
      const text = await run(SCRIPTS.get, { keys: [`${prefix}m:${digest}`], arguments: [] });
      return typeof text === 'string' ? text : null;
    },
    async setManifest(digest, manifest, expiresAt) {
      await run(SCRIPTS.setManifest, { keys: [`${prefix}m:${digest}`], arguments: [manifest, String(expiresAt.getTime())] });
    },
    async getCrcs(keys) {
      const found: (number | null)[] = [];
      for (let at = 0; at < keys.length; at += MGET_BATCH) {
        const reply = await run(SCRIPTS.mget, { keys: keys.slice(at, at + MGET_BATCH).map(crcKey), arguments: [] });
        if (!Array.isArray(reply)) throw new Error(`${where}: unexpected MGET reply`);
        for (const value of reply) found.push(crcOf(value));
      }
      return found;
    },
    async setCrc(key, crc32) {
      await run(SCRIPTS.setCrc, { keys: [crcKey(key)], arguments: [String(crc32), String(crcSeconds)] });
    },
  };
}
