/**
 * Redis stores for several app instances (`redis` client, an optional peer
 * dependency): use counts of N-use links, and archive links' manifests and
 * learnt CRC-32s.
 * @module express-signed-downloads/redis
 */
export { redisUseStore } from './links/redis-use-store';
export type { RedisScriptClient, RedisUseStoreOptions } from './links/redis-use-store';
export type { UseResult, UseStore } from './links/use-store';
export { redisArchiveStore } from './archives/redis-archive-store';
export type { RedisArchiveStoreOptions } from './archives/redis-archive-store';
export type { ArchiveStore } from './archives/archive-store';
