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
   * the download is refused (503), never allowed. `link.tenant` is the
   * link's tenant, for stores that share room fairly between tenants.
   */
  consume(jti: string, maxUses: number, expiresAt: Date, link?: { tenant?: string | undefined }): Promise<UseResult>;
  /**
   * Uses counted so far for `jti` (0 for an unknown link). A used-up link
   * answers 410 to every request, headers-only ones included, and only a
   * link counted before may continue a transfer for free: both are asked here.
   */
  uses(jti: string): Promise<number>;
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
  maxEntries?: number | undefined;
  /**
   * Live links one tenant may hold (default a tenth of `maxEntries`), so a
   * tenant that issues counted links by the thousand fills its own share,
   * not the store: its next new link gets 503 while the other tenants' work.
   * Links without a tenant share one such share. Set it to `maxEntries` to
   * turn the rule off.
   */
  maxEntriesPerTenant?: number | undefined;
  /** Clock in milliseconds (tests). */
  now?: (() => number) | undefined;
}

interface Counted {
  used: number;
  expiresAt: number;
  tenant: string | undefined;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`memoryUseStore: ${name} must be a positive integer.`);
  return value;
}

/**
 * Use counts in this process's memory: right for one instance (and tests).
 * Several instances need a shared store such as `redisUseStore`.
 */
export function memoryUseStore(options: MemoryUseStoreOptions = {}): UseStore {
  const maxEntries = positiveInteger('maxEntries', options.maxEntries ?? 100_000);
  const perTenant = positiveInteger('maxEntriesPerTenant', options.maxEntriesPerTenant ?? Math.max(1, Math.floor(maxEntries / 10)));
  const now = options.now ?? Date.now;
  const links = new Map<string, Counted>();
  const live = new Map<string | undefined, number>();
  // The earliest expiry among the entries: a full store is swept only once one can have expired,
  // so a store full of live links costs a comparison per refused use, not a scan.
  let nextExpiry = Infinity;

  const forget = (jti: string, entry: Counted) => {
    links.delete(jti);
    const count = (live.get(entry.tenant) ?? 1) - 1;
    if (count === 0) live.delete(entry.tenant);
    else live.set(entry.tenant, count);
  };
  const sweep = (at: number) => {
    if (at < nextExpiry) return;
    nextExpiry = Infinity;
    for (const [jti, entry] of links) {
      if (entry.expiresAt <= at) forget(jti, entry);
      else nextExpiry = Math.min(nextExpiry, entry.expiresAt);
    }
  };

  return {
    async consume(jti, maxUses, expiresAt, link) {
      const at = now();
      let entry = links.get(jti);
      if (entry !== undefined && entry.expiresAt <= at) {
        forget(jti, entry);
        entry = undefined;
      }
      if (entry === undefined) {
        const tenant = link?.tenant;
        if (links.size >= maxEntries || (live.get(tenant) ?? 0) >= perTenant) sweep(at);
        if (links.size >= maxEntries) throw new Error(`memoryUseStore is full: ${maxEntries} links are live; raise maxEntries or use a shared store`);
        if ((live.get(tenant) ?? 0) >= perTenant) {
          throw new Error(`memoryUseStore: tenant ${JSON.stringify(tenant ?? null)} holds ${perTenant} live links (maxEntriesPerTenant)`);
        }
        entry = { used: 0, expiresAt: expiresAt.getTime(), tenant };
        links.set(jti, entry);
        live.set(tenant, (live.get(tenant) ?? 0) + 1);
        nextExpiry = Math.min(nextExpiry, entry.expiresAt);
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
