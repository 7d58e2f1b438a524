/**
 * Counts the uses of N-use links. `consume` must be atomic across every app
 * instance that serves the links: two concurrent calls for the last use must
 * not both be allowed.
 */
export interface UseStore {
  /**
   * Records one use of the link `jti` unless it already has `maxUses`;
   * `used` is the count after this call (at most `maxUses`). The store may
   * forget the link after `expiresAt`. A store that cannot answer throws:
   * the download is refused (503), never allowed.
   */
  consume(jti: string, maxUses: number, expiresAt: Date): Promise<UseResult>;
  /**
   * Uses counted so far for `jti` (0 for an unknown link). Optional: without
   * it no request is taken as the continuation of a transfer, so every
   * download, every range included, counts.
   */
  uses?(jti: string): Promise<number>;
}

/** What {@link UseStore.consume} answers. */
export interface UseResult {
  allowed: boolean;
  used: number;
}

/** Options of {@link memoryUseStore}. */
export interface MemoryUseStoreOptions {
  /**
   * Links counted at once (default 100 000). When every one is still live, a
   * new link's first use fails (503) rather than forget a count and allow too much.
   */
  maxEntries?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

interface Counted {
  used: number;
  expiresAt: number;
}

/**
 * Use counts in this process's memory: right for one instance (and tests).
 * Several instances need a shared store such as `redisUseStore`.
 */
export function memoryUseStore(options: MemoryUseStoreOptions = {}): UseStore {
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('memoryUseStore: maxEntries must be a positive integer.');
  const now = options.now ?? Date.now;
  const links = new Map<string, Counted>();

  const sweep = (at: number) => {
    for (const [jti, entry] of links) if (entry.expiresAt <= at) links.delete(jti);
  };

  return {
    async consume(jti, maxUses, expiresAt) {
      const at = now();
      let entry = links.get(jti);
      if (entry === undefined || entry.expiresAt <= at) {
        if (links.size >= maxEntries) sweep(at);
        if (links.size >= maxEntries) throw new Error(`memoryUseStore is full: ${maxEntries} links are live; raise maxEntries or use a shared store`);
        entry = { used: 0, expiresAt: expiresAt.getTime() };
        links.set(jti, entry);
      }
      if (entry.used >= maxUses) return { allowed: false, used: entry.used };
      entry.used += 1;
      return { allowed: true, used: entry.used };
    },
    async uses(jti) {
      const entry = links.get(jti);
      return entry === undefined || entry.expiresAt <= now() ? 0 : entry.used;
    },
  };
}
