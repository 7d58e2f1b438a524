/** `tenantCache`: how many tenants' configurations are kept, and for how long. */
export interface TenantCacheOptions {
  /** Tenants kept at once; past it, one not asked for recently goes first (default 10,000). */
  max?: number | undefined;
  /** Seconds a resolved configuration is used before `tenantConfig` is asked again (default 60). */
  ttlSeconds?: number | undefined;
  /**
   * Seconds an unknown tenant (`tenantConfig` returned `null`) is remembered
   * as unknown (default 10), so URLs for made-up tenants cannot hammer the
   * database; 0 asks again every time.
   */
  unknownTtlSeconds?: number | undefined;
}

interface Entry<Value> {
  value: Value | null;
  expiresAt: number;
  /** Asked for since the eviction hand last passed (CLOCK): a hit sets a flag instead of reordering the map. */
  used: boolean;
}

/**
 * A bounded, expiring cache of resolved tenant configurations in front of
 * the host's resolver. Concurrent first requests for one tenant share one
 * resolver call; a failed call is not remembered (the next request asks
 * again), so an outage of the host's database heals by itself.
 */
export class TenantCache<Value> {
  readonly #entries = new Map<string, Entry<Value>>();
  readonly #pending = new Map<string, Promise<Value | null>>();
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #unknownTtlMs: number;
  readonly #now: () => number;
  /** Bumped by `forget`: a resolution that began before it must not store what it found. */
  #generation = 0;

  constructor(options: Required<TenantCacheOptions>, now: () => number = Date.now) {
    this.#max = options.max;
    this.#ttlMs = options.ttlSeconds * 1000;
    this.#unknownTtlMs = options.unknownTtlSeconds * 1000;
    this.#now = now;
  }

  /**
   * The tenant's value when the cache holds a fresh one: `null` for a tenant
   * known to be unknown, `undefined` when `get` must ask. Synchronous, so
   * the hot path of a known tenant awaits nothing.
   */
  peek(tenant: string): Value | null | undefined {
    const entry = this.#entries.get(tenant);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(tenant);
      return undefined;
    }
    entry.used = true;
    return entry.value;
  }

  /** The tenant's value (`null`: unknown), from the cache or from `resolve`, which runs at most once at a time per tenant. */
  get(tenant: string, resolve: () => Promise<Value | null>): Promise<Value | null> {
    const cached = this.peek(tenant);
    if (cached !== undefined) return Promise.resolve(cached);
    const pending = this.#pending.get(tenant);
    if (pending !== undefined) return pending;
    const generation = this.#generation;
    const started = resolve().then(
      (value) => {
        this.#pending.delete(tenant);
        if (generation === this.#generation) this.#store(tenant, value);
        return value;
      },
      (error: unknown) => {
        this.#pending.delete(tenant);
        throw error;
      },
    );
    this.#pending.set(tenant, started);
    return started;
  }

  /** Drops the tenant at once (after a key roll, a plan change, a suspension); a resolution under way is not stored. */
  forget(tenant: string): void {
    this.#entries.delete(tenant);
    this.#pending.delete(tenant);
    this.#generation += 1;
  }

  /** Tenants held now (tests, metrics). */
  get size(): number {
    return this.#entries.size;
  }

  #store(tenant: string, value: Value | null): void {
    const ttl = value === null ? this.#unknownTtlMs : this.#ttlMs;
    if (ttl <= 0 || this.#max === 0) return;
    this.#entries.delete(tenant);
    this.#entries.set(tenant, { value, expiresAt: this.#now() + ttl, used: false });
    while (this.#entries.size > this.#max) this.#evictOne();
  }

  /** CLOCK: the oldest entry goes unless it was used since, which earns it a move to the back instead. */
  #evictOne(): void {
    for (const [tenant, entry] of this.#entries) {
      this.#entries.delete(tenant);
      if (!entry.used) return;
      entry.used = false;
      this.#entries.set(tenant, entry);
    }
  }
}
