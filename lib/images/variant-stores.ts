import { checkStorage } from '../options/settings';
import { rejectUnknownKeys } from '../options/validate';
import { openObject } from '../http/open-object';
import type { OpenOptions, StorageAdapter, StoredObject } from '../storage/types';

/**
 * Where rendered variants are kept, so that each is rendered once. Keys are
 * made by the renditions (a digest of the source, its version and the
 * rendering, with the format's extension); a store never needs to list or
 * delete. A changed source gets new keys: old variants are left for the
 * store's own expiry (an LRU, an S3 lifecycle rule, a cron on a directory).
 */
export interface VariantStore {
  /** The variant, or `null` when it was never stored (or has been evicted). */
  open(key: string, options: OpenOptions): Promise<StoredObject | null>;
  /** Keeps a rendered variant; a failure is reported, never sent to a client. */
  save(key: string, bytes: Buffer, contentType: string): Promise<void>;
}

/** Options of {@link memoryVariants}. */
export interface MemoryVariantsOptions {
  /** Bytes of variants kept, least recently used first out (default 64 MiB). */
  maxBytes?: number | undefined;
}

/**
 * Variants in this process's memory, least recently used evicted first: the
 * default store. Each instance of the app renders its own.
 */
export function memoryVariants(options: MemoryVariantsOptions = {}): VariantStore {
  rejectUnknownKeys('memoryVariants', options, ['maxBytes']);
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  if (!Number.isInteger(maxBytes) || maxBytes < 0) throw new RangeError('memoryVariants: `maxBytes` must be a non-negative integer number of bytes.');
  // A Map keeps insertion order: a hit is moved to the end, eviction takes from the front.
  const entries = new Map<string, { bytes: Buffer; contentType: string }>();
  let held = 0;
  return {
    async open(key) {
      const entry = entries.get(key);
      if (entry === undefined) return null;
      entries.delete(key);
      entries.set(key, entry);
      return { size: entry.bytes.length, body: entry.bytes, contentType: entry.contentType, close: () => undefined };
    },
    async save(key, bytes, contentType) {
      if (bytes.length > maxBytes || entries.has(key)) return;
      entries.set(key, { bytes, contentType });
      held += bytes.length;
      for (const [oldest, entry] of entries) {
        if (held <= maxBytes) break;
        entries.delete(oldest);
        held -= entry.bytes.length;
      }
    },
  };
}

/** Options of {@link storageVariants}. */
export interface StorageVariantsOptions {
  /** Key prefix of the variants in the storage (default `'variants/'`). */
  prefix?: string | undefined;
}

/**
 * Variants kept in a storage that can write: `fsStorage({ root })` for a
 * local directory, `s3Storage({ client, bucket })` for a bucket (a prefix
 * with a lifecycle rule), shared by every instance of the app.
 */
export function storageVariants(storage: StorageAdapter, options: StorageVariantsOptions = {}): VariantStore {
  checkStorage('storageVariants', storage);
  if (typeof storage.write !== 'function') throw new TypeError('storageVariants: the storage must be able to write (fsStorage, memoryStorage and s3Storage can).');
  rejectUnknownKeys('storageVariants', options, ['prefix']);
  const prefix = options.prefix ?? 'variants/';
  if (typeof prefix !== 'string' || prefix.startsWith('/') || prefix.includes('..')) throw new TypeError("storageVariants: `prefix` must be a relative key prefix such as 'variants/'.");
  const write = storage.write.bind(storage);
  return {
    open: (key, open) => openObject(storage, prefix + key, open, {}),
    save: (key, bytes, contentType) => write(prefix + key, bytes, { contentType }),
  };
}
