export { redisUseStore } from './links/redis-use-store';
export type { RedisScriptClient, RedisUseStoreOptions } from './links/redis-use-store';
export type { UseResult, UseStore } from './links/use-store';
