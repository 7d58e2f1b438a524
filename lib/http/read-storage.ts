import { DownloadError, isDownloadError } from '../errors';
import type { ByteRange, StorageAdapter, StorageStat } from '../storage/types';

function storageFailure(error: unknown): DownloadError {
  if (isDownloadError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new DownloadError('FILE_NOT_FOUND', undefined, { cause: error });
  return new DownloadError('STORAGE_ERROR', undefined, { cause: error });
}

/** `storage.stat` with the adapter's failures mapped to stable codes. */
export async function statObject(storage: StorageAdapter, key: string): Promise<StorageStat | null> {
  try {
    return await storage.stat(key);
  } catch (error) {
    throw storageFailure(error);
  }
}

/** `storage.read` with the adapter's failures mapped to stable codes. */
export async function openObject(storage: StorageAdapter, key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
  try {
    return await storage.read(key, range);
  } catch (error) {
    throw storageFailure(error);
  }
}
