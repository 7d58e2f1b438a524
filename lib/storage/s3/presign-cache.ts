/** Options of the presigned-URL cache (`s3Storage({ presignCache })`). */
export interface PresignCacheOptions {
  /** Most URLs kept; the least recently used goes first (default 10000). */
  maxEntries?: number | undefined;
  /**
   * Fraction of a URL's lifetime during which it is handed out again
   * (default 0.1, at most 0.5): a 900 s URL is reused for 90 s, so every
   * client still gets at least 810 s.
   */
  reuseFraction?: number | undefined;
}

interface Entry {
  url: string;
  expires: number;
  reuseUntil: number;
}

/** A presigned URL and its expiry in Unix seconds. */
export interface Presigned {
  url: string;
  expires: number;
}

/**
 * Reuses presigned URLs for a bounded part of their life. Signing costs about
 * as much as serving a static file, so a busy redirect endpoint is capped by
 * it; reusing the same URL for the same key, disposition, type and lifetime
 * removes that cost without ever handing out an expired URL.
 */
export class PresignCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #reuseFraction: number;
  readonly #now: () => number;

  constructor(options: PresignCacheOptions, now: () => number = Date.now) {
    const maxEntries = options.maxEntries ?? 10_000;
    const reuseFraction = options.reuseFraction ?? 0.1;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('s3Storage: presignCache.maxEntries must be a positive integer.');
    if (typeof reuseFraction !== 'number' || !(reuseFraction > 0 && reuseFraction <= 0.5)) {
      throw new RangeError('s3Storage: presignCache.reuseFraction must be a number above 0 and at most 0.5.');
    }
    this.#maxEntries = maxEntries;
    this.#reuseFraction = reuseFraction;
    this.#now = now;
  }

  /** The cached URL for `id`, or a new one from `sign` (which is given the expiry to sign for). */
  async get(id: string, expiresIn: number, sign: () => Promise<string>): Promise<Presigned> {
    const now = this.#now();
    const hit = this.#entries.get(id);
    if (hit !== undefined && now < hit.reuseUntil) {
      // Refresh recency: Map iteration order is insertion order.
      this.#entries.delete(id);
      this.#entries.set(id, hit);
      return { url: hit.url, expires: hit.expires };
    }
    const url = await sign();
    const entry: Entry = { url, expires: Math.floor(now / 1000) + expiresIn, reuseUntil: now + expiresIn * 1000 * this.#reuseFraction };
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    if (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    return { url, expires: entry.expires };
  }

  /** Number of cached URLs. */
  get size(): number {
    return this.#entries.size;
  }
}
