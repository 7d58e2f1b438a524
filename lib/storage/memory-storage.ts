import { createHash } from 'node:crypto';
import { isSafeKey } from './keys';
import { readAtBuffer } from './read-at-buffer';
import { readViaOpen } from './read-via-open';
import type { ByteRange, CompleteStorageAdapter, StorageStat, StoredObject, WriteOptions } from './types';

interface Entry {
  data: Buffer;
  stat: StorageStat;
}

/** Metadata to store with an object in {@link MemoryStorage}. */
export interface MemoryObjectOptions {
  contentType?: string | undefined;
  lastModified?: Date | undefined;
}

/** In-memory storage for tests and demos, with the same behaviour as the real adapters. */
export class MemoryStorage implements CompleteStorageAdapter {
  readonly #objects = new Map<string, Entry>();

  /** Stores `data` under `key` (which must be a safe key: no `..`, empty segments or control characters). */
  put(key: string, data: Buffer | Uint8Array | string, options: MemoryObjectOptions = {}): this {
    if (!isSafeKey(key)) throw new TypeError(`MemoryStorage.put: ${JSON.stringify(key)} is not a safe key.`);
    const bytes = Buffer.from(data);
    const stat: StorageStat = {
      size: bytes.length,
      lastModified: options.lastModified ?? new Date(Math.floor(Date.now() / 1000) * 1000),
      etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`,
    };
    if (options.contentType !== undefined) stat.contentType = options.contentType;
    this.#objects.set(key, { data: bytes, stat });
    return this;
  }

  /** `StorageAdapter.write`: `put`, for the variant stores of image renditions. */
  async write(key: string, body: Buffer, options: WriteOptions): Promise<void> {
    this.put(key, body, { contentType: options.contentType });
  }

  /** Removes `key`; true when it was there. */
  delete(key: string): boolean {
    return this.#objects.delete(key);
  }

  async stat(key: string): Promise<StorageStat | null> {
    const entry = this.#objects.get(key);
    return entry === undefined ? null : { ...entry.stat };
  }

  /** A stream of `key`'s bytes (or of the inclusive `range`), as in 0.1. */
  read(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    return readViaOpen((name) => this.open(name), key, range);
  }

  async open(key: string): Promise<StoredObject | null> {
    const entry = this.#objects.get(key);
    if (entry === undefined) return null;
    const { data } = entry;
    return {
      ...entry.stat,
      // The bytes are in memory already; a later put() replaces the entry, never these bytes.
      body: data,
      readAt: readAtBuffer(data),
      close: () => undefined,
    };
  }
}

/** Creates an empty {@link MemoryStorage}. */
export function memoryStorage(): MemoryStorage {
  return new MemoryStorage();
}
