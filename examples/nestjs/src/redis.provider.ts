import type { FactoryProvider, OnApplicationShutdown } from '@nestjs/common';
import { Inject, Injectable } from '@nestjs/common';
import { createClient } from 'redis';

export type RedisClient = ReturnType<typeof createClient>;

/** The injection token of the shared Redis client (null when REDIS_URL is not set). */
export const REDIS = Symbol('REDIS');

/**
 * One connected client for the app. Commands fail at once while it is
 * disconnected (no offline queue): a download then gets a clean 500 instead
 * of waiting for Redis to come back.
 */
export const redisProvider: FactoryProvider<RedisClient | null> = {
  provide: REDIS,
  useFactory: async () => {
    const url = process.env.REDIS_URL;
    if (url === undefined) return null;
    const client = createClient({ url, disableOfflineQueue: true });
    client.on('error', (error: Error) => console.error(`redis: ${error.message}`));
    await client.connect();
    return client;
  },
};

/** Closes the client when Nest shuts down (app.close(), SIGTERM with enableShutdownHooks). */
@Injectable()
export class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: RedisClient | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis?.isOpen === true) await this.redis.quit();
  }
}
