import type { MaybePromise } from '../options/types';
import { memoryCrcs } from './crc-memory';

/**
 * Where archive links keep what does not fit in a URL: each archive's
 * manifest (its members, names and versions; the token binds its digest),
 * and the CRC-32s learnt while members were streamed, by member version, so
 * that a resumed download needs no second read of what it passed.
 * `memoryArchiveStore()` is the default; several app instances share one
 * with `redisArchiveStore` from `express-signed-downloads/redis`.
 */
export interface ArchiveStore {
  /** The manifest text stored under `digest`, or `null` when there is none (expired, evicted). */
  getManifest(digest: string): MaybePromise<string | null | undefined>;
  /**
   * Keeps `manifest` under `digest` until at least `expiresAt`; a later call
   * for the same digest may extend it, never shorten it. `link.tenant` is
   * the archive's tenant, for stores that share room fairly between tenants.
   */
  setManifest(digest: string, manifest: string, expiresAt: Date, link?: { tenant?: string | undefined }): MaybePromise<void>;
  /** The CRC-32s learnt for `keys`, in order; `null` (or `undefined`) for a key not learnt. */
  getCrcs(keys: readonly string[]): MaybePromise<readonly (number | null | undefined)[]>;
  /** Remembers a learnt CRC-32. Failures are ignored: the next download learns it again. */
  setCrc(key: string, crc32: number): MaybePromise<void>;
}

/** Options of {@link memoryArchiveStore}. */
export interface MemoryArchiveStoreOptions {
  /** Bytes of manifests kept at most (default 64 MiB, about 300,000 members); expired ones go first, then the oldest. */
  maxManifestBytes?: number | undefined;
  /**
   * Bytes of manifests one tenant may hold (default a quarter of
   * `maxManifestBytes`): a tenant that issues archives by the thousand
   * pushes out its own oldest links, not other tenants'. Archives without a
   * tenant share one such share.
   */
  maxManifestBytesPerTenant?: number | undefined;
  /** CRC-32s kept at most (default 100,000: about 10 MB), least recently used out. */
  maxCrcs?: number | undefined;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`memoryArchiveStore: \`${name}\` must be a positive integer.`);
  return value;
}

/**
 * Manifests and learnt CRC-32s in this process: right for one instance. A
 * link whose manifest is gone (a restart, another instance, eviction) is
 * 404 `FILE_NOT_FOUND`; with several instances use `redisArchiveStore`.
 */
export function memoryArchiveStore(options: MemoryArchiveStoreOptions = {}): ArchiveStore {
  const maxBytes = positiveInteger('maxManifestBytes', options.maxManifestBytes, 64 * 1024 * 1024);
  const perTenant = positiveInteger('maxManifestBytesPerTenant', options.maxManifestBytesPerTenant, Math.max(1, Math.floor(maxBytes / 4)));
  const maxCrcs = positiveInteger('maxCrcs', options.maxCrcs, 100_000);
  interface Kept { text: string; expiresAt: number; tenant: string | undefined; bytes: number }
  // Maps keep insertion order: the first manifest is the oldest, of all and of each tenant.
  const manifests = new Map<string, Kept>();
  const byTenant = new Map<string | undefined, Map<string, Kept>>();
  const tenantBytes = new Map<string | undefined, number>();
  let bytes = 0;
  const heldBy = (tenant: string | undefined) => tenantBytes.get(tenant) ?? 0;
  const crcs = memoryCrcs(maxCrcs);
  const drop = (digest: string) => {
    const entry = manifests.get(digest);
    if (entry === undefined) return;
    manifests.delete(digest);
    bytes -= entry.bytes;
    tenantBytes.set(entry.tenant, heldBy(entry.tenant) - entry.bytes);
    const own = byTenant.get(entry.tenant)!;
    own.delete(digest);
    if (own.size === 0) {
      byTenant.delete(entry.tenant);
      tenantBytes.delete(entry.tenant);
    }
  };
  /** Makes room: expired manifests first, then the tenant's own oldest past its share, then the oldest of all. */
  const makeRoom = (tenant: string | undefined, keep: string) => {
    const now = Date.now();
    if (bytes > maxBytes || heldBy(tenant) > perTenant) for (const [digest, entry] of manifests) if (entry.expiresAt <= now) drop(digest);
    for (const [digest] of byTenant.get(tenant) ?? []) {
      if (heldBy(tenant) <= perTenant || digest === keep) break;
      drop(digest);
    }
    for (const [digest] of manifests) {
      if (bytes <= maxBytes || digest === keep) break;
      drop(digest);
    }
  };
  return {
    getManifest(digest) {
      const entry = manifests.get(digest);
      if (entry === undefined) return null;
      if (entry.expiresAt <= Date.now()) {
        drop(digest);
        return null;
      }
      return entry.text;
    },
    setManifest(digest, manifest, expiresAt, link) {
      const tenant = link?.tenant;
      const previous = manifests.get(digest);
      drop(digest);
      const entry: Kept = { text: manifest, expiresAt: Math.max(expiresAt.getTime(), previous?.expiresAt ?? 0), tenant, bytes: manifest.length * 2 };
      manifests.set(digest, entry);
      if (!byTenant.has(tenant)) byTenant.set(tenant, new Map());
      byTenant.get(tenant)!.set(digest, entry);
      bytes += entry.bytes;
      tenantBytes.set(tenant, heldBy(tenant) + entry.bytes);
      makeRoom(tenant, digest);
    },
    getCrcs: (keys) => keys.map((key) => crcs.get(key)),
    setCrc: (key, crc32) => crcs.set(key, crc32),
  };
}

/** Start-up check of the `archiveStore` option. */
export function checkArchiveStore(where: string, value: unknown): asserts value is ArchiveStore | undefined {
  if (value === undefined) return;
  const store = value as Partial<ArchiveStore> | null;
  if (typeof store !== 'object' || store === null || !(['getManifest', 'setManifest', 'getCrcs', 'setCrc'] as const).every((name) => typeof store[name] === 'function')) {
    throw new TypeError(`${where}: \`archiveStore\` must have getManifest, setManifest, getCrcs and setCrc: use memoryArchiveStore() or redisArchiveStore({ client }) from 'express-signed-downloads/redis'.`);
  }
}
