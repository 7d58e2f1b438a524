import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { DownloadError } from '../errors';
import { isSafeKey } from './keys';
import type { ByteRange, StorageAdapter, StorageStat } from './types';

const CHUNK = 64 * 1024;

interface Entry {
  data: Buffer;
  stat: StorageStat;
}

/** Metadata to store with an object in {@link MemoryStorage}. */
export interface MemoryObjectOptions {
  contentType?: string;
  lastModified?: Date;
}

/** In-memory storage for tests and demos: the same behaviour as the real adapters, chunked streams included. */
export class MemoryStorage implements StorageAdapter {
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

  /** Removes `key`; true when it was there. */
  delete(key: string): boolean {
    return this.#objects.delete(key);
  }

  async stat(key: string): Promise<StorageStat | null> {
    const entry = this.#objects.get(key);
    return entry === undefined ? null : { ...entry.stat };
  }

  async read(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
    const entry = this.#objects.get(key);
    if (entry === undefined) throw new DownloadError('FILE_NOT_FOUND', undefined, { cause: new Error(`no object ${key}`) });
    const bytes = range === undefined ? entry.data : entry.data.subarray(range.start, range.end + 1);
    function* chunks(): Generator<Buffer> {
      for (let offset = 0; offset < bytes.length; offset += CHUNK) yield bytes.subarray(offset, offset + CHUNK);
    }
    return Readable.from(chunks(), { objectMode: false });
  }
}

/** Creates an empty {@link MemoryStorage}. */
export function memoryStorage(): MemoryStorage {
  return new MemoryStorage();
}
