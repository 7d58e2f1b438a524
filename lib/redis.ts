/**
 * Use counts in Redis for N-use links (`redis` client, an optional peer dependency).
 * @module express-signed-downloads/redis
 */
export { redisUseStore } from './links/redis-use-store';
export type { RedisScriptClient, RedisUseStoreOptions } from './links/redis-use-store';
export type { UseResult, UseStore } from './links/use-store';
