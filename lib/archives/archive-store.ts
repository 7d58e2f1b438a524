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
  /** Keeps `manifest` under `digest` until at least `expiresAt`; a later call for the same digest may extend it, never shorten it. */
  setManifest(digest: string, manifest: string, expiresAt: Date): MaybePromise<void>;
  /** The CRC-32s learnt for `keys`, in order; `null` (or `undefined`) for a key not learnt. */
  getCrcs(keys: readonly string[]): MaybePromise<readonly (number | null | undefined)[]>;
  /** Remembers a learnt CRC-32. Failures are ignored: the next download learns it again. */
  setCrc(key: string, crc32: number): MaybePromise<void>;
}

/** Options of {@link memoryArchiveStore}. */
export interface MemoryArchiveStoreOptions {
  /** Bytes of manifests kept at most (default 64 MiB, about 300,000 members); the oldest go first. */
  maxManifestBytes?: number | undefined;
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
  const maxCrcs = positiveInteger('maxCrcs', options.maxCrcs, 100_000);
  // A Map keeps insertion order: the first manifest is the oldest.
  const manifests = new Map<string, { text: string; expiresAt: number }>();
  let bytes = 0;
  const crcs = memoryCrcs(maxCrcs);
  const drop = (digest: string) => {
    const entry = manifests.get(digest);
    if (entry === undefined) return;
    manifests.delete(digest);
    bytes -= entry.text.length * 2;
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
    setManifest(digest, manifest, expiresAt) {
      const previous = manifests.get(digest);
      drop(digest);
      manifests.set(digest, { text: manifest, expiresAt: Math.max(expiresAt.getTime(), previous?.expiresAt ?? 0) });
      bytes += manifest.length * 2;
      for (const [oldest] of manifests) {
        if (bytes <= maxBytes || oldest === digest) break;
        drop(oldest);
      }
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
