import { DownloadError, isDownloadError } from '../errors';
import type { ByteRange, OpenOptions, StorageAdapter, StorageStat, StoredObject } from '../storage/types';
import type { KnownMetadata } from './types';

/** A store's failure as a stable code: a missing object is FILE_NOT_FOUND, anything else STORAGE_ERROR. */
export function storageFailure(error: unknown): DownloadError {
  if (isDownloadError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new DownloadError('FILE_NOT_FOUND', undefined, { cause: error });
  return new DownloadError('STORAGE_ERROR', undefined, { cause: error });
}

async function mapped<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw storageFailure(error);
  }
}

/**
 * An adapter written against `stat` + `read` seen through `open`: the stat
 * (skipped when the record states a size and a validator) gives the
 * metadata, `read` the bytes on demand.
 */
async function openLegacy(storage: StorageAdapter, key: string, known: KnownMetadata): Promise<StoredObject | null> {
  let stat: StorageStat | null;
  if (known.size !== undefined && (known.etag !== undefined || known.lastModified !== undefined)) {
    stat = { size: known.size };
  } else {
    if (typeof storage.stat !== 'function') throw new DownloadError('STORAGE_ERROR', undefined, { cause: new TypeError('the storage has neither open() nor stat()') });
    stat = await mapped(() => storage.stat!(key));
    if (stat === null) return null;
  }
  return {
    ...stat,
    stream: (range: ByteRange) => mapped(() => storage.read!(key, range)),
    close: () => undefined,
  };
}

/**
 * Opens `key` with the adapter's failures mapped to stable codes: the one
 * storage trip of a request. `known` is what the record states; it spares a
 * legacy adapter's stat.
 */
export async function openObject(storage: StorageAdapter, key: string, options: OpenOptions, known: KnownMetadata): Promise<StoredObject | null> {
  if (typeof storage.open === 'function') return mapped(() => storage.open!(key, options));
  return openLegacy(storage, key, known);
}

/** Size, validators and type of `key` without reading it (presigning needs the type): `stat`, or an `open` closed at once. */
export async function statObject(storage: StorageAdapter, key: string): Promise<StorageStat | null> {
  if (typeof storage.stat === 'function') return mapped(() => storage.stat!(key));
  const opened = await openObject(storage, key, { body: false }, {});
  if (opened === null) return null;
  opened.close();
  const { size, etag, lastModified, contentType } = opened;
  return { size, etag, lastModified, contentType };
}

/** The whole `range` in memory: one positional read where the store offers it, else the stream collected. */
export async function readRange(object: StoredObject, range: ByteRange): Promise<Buffer> {
  const length = range.end - range.start + 1;
  if (object.body !== undefined) return object.body.subarray(range.start, range.end + 1);
  if (object.readAt !== undefined) {
    const readAt = object.readAt;
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const bytes = await new Promise<number>((resolve, reject) =>
        readAt(buffer, filled, length - filled, range.start + filled, (error, read) => (error ? reject(storageFailure(error)) : resolve(read))));
      if (bytes === 0) throw new DownloadError('STORAGE_ERROR', undefined, { cause: new Error(`the object ended after ${filled} of ${length} bytes`) });
      filled += bytes;
    }
    return buffer;
  }
  const source = await mapped(async () => object.stream!(range));
  // A stream that fails, or is destroyed without a word, mid-way is the store's failure.
  return mapped(() => collect(source, length));
}

async function collect(source: NodeJS.ReadableStream, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of source) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += buffer.length;
    // A store that returns more than asked is cut off rather than trusted.
    if (total > length) {
      (source as { destroy?: () => void }).destroy?.();
      throw new DownloadError('STORAGE_ERROR', undefined, { cause: new Error(`storage returned more than the ${length} bytes asked for`) });
    }
    chunks.push(buffer);
  }
  if (total < length) throw new DownloadError('STORAGE_ERROR', undefined, { cause: new Error(`storage returned ${total} of ${length} bytes`) });
  return Buffer.concat(chunks, total);
}
