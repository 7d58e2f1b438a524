import { createHash } from 'node:crypto';

/**
 * The part of a node-redis (v4 or v5) client the Redis stores use. Any client
 * with these two methods works, including a cluster client.
 */
export interface RedisScriptClient {
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** A Lua script and its SHA-1, by which Redis caches it. */
export interface RedisScript {
  source: string;
  sha: string;
}

export const redisScript = (source: string): RedisScript => ({ source, sha: createHash('sha1').update(source).digest('hex') });

/** Checks a store's `client` and `timeoutMs` at start-up, and returns how it runs scripts: by hash, with a time limit. */
export function scriptRunner(where: string, client: RedisScriptClient | undefined, timeoutMs: number | undefined) {
  if (typeof client?.eval !== 'function' || typeof client.evalSha !== 'function') {
    throw new TypeError(`${where}: pass { client }, a connected node-redis client: createClient({ url }) from the \`redis\` package, after await client.connect().`);
  }
  const limit = timeoutMs ?? 2000;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`${where}: timeoutMs must be a positive integer number of milliseconds.`);

  // By hash, as Redis caches scripts: the source goes over the wire only when
  // the cache is empty (after a restart or failover).
  const run = async ({ source, sha }: RedisScript, call: { keys: string[]; arguments: string[] }): Promise<unknown> => {
    try {
      return await client.evalSha(sha, call);
    } catch (error) {
      if (!/NOSCRIPT/.test(String((error as Error)?.message))) throw error;
      return client.eval(source, call);
    }
  };

  // A client that queues commands while reconnecting would otherwise hold every download until Redis is back.
  return async (script: RedisScript, call: { keys: string[]; arguments: string[] }): Promise<unknown> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${where}: no answer from Redis within ${limit} ms`)), limit);
    });
    try {
      return await Promise.race([run(script, call), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}
