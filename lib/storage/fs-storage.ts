import { constants, realpathSync, statSync } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { DownloadError } from '../errors';
import { rejectUnknownKeys } from '../options/validate';
import { isSafeKey } from './keys';
import type { ByteRange, StorageAdapter, StorageStat } from './types';

/** Options of {@link fsStorage}. */
export interface FsStorageOptions {
  /** Directory the keys are relative to; it must exist. Nothing outside it is ever read. */
  root: string;
}

function notFound(key: string): DownloadError {
  return new DownloadError('FILE_NOT_FOUND', undefined, { cause: new Error(`no readable file for key ${JSON.stringify(key)}`) });
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EISDIR';
}

/** A strong validator in nginx's style: it changes whenever the size or the modification time does. */
export function fileEtag(size: number, mtimeMs: number): string {
  return `"${Math.floor(mtimeMs).toString(16)}-${size.toString(16)}"`;
}

/**
 * Local-disk storage. A key is resolved inside `root` and then checked again
 * after `realpath`, so neither `..` (plain or decoded by the host), absolute
 * keys, NUL bytes nor symlinks that point out of `root` can reach another file.
 */
export function fsStorage(options: FsStorageOptions): StorageAdapter {
  if (typeof options !== 'object' || options === null || typeof options.root !== 'string' || options.root === '') {
    throw new TypeError('fsStorage: pass { root } with the directory that holds the files.');
  }
  rejectUnknownKeys('fsStorage', options, ['root']);
  let root: string;
  try {
    root = realpathSync(options.root);
  } catch {
    throw new TypeError(`fsStorage: root ${JSON.stringify(options.root)} does not exist; create it or fix the path.`);
  }
  if (!statSync(root).isDirectory()) throw new TypeError(`fsStorage: root ${JSON.stringify(options.root)} is not a directory.`);

  /** The real path of `key` inside root, or undefined when it is unsafe, missing or outside. */
  async function locate(key: string): Promise<string | undefined> {
    if (!isSafeKey(key)) return undefined;
    let real: string;
    try {
      real = await realpath(join(root, key));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const inside = relative(root, real);
    if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return undefined;
    return real;
  }

  return {
    async stat(key: string): Promise<StorageStat | null> {
      const real = await locate(key);
      if (real === undefined) return null;
      const info = await stat(real);
      if (!info.isFile()) return null;
      return { size: info.size, lastModified: info.mtime, etag: fileEtag(info.size, info.mtimeMs) };
    },

    async read(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream> {
      const real = await locate(key);
      if (real === undefined) throw notFound(key);
      let handle;
      try {
        // O_NOFOLLOW: the path was just resolved; a symlink appearing there now is a swap, not a file.
        handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
      } catch (error) {
        if (isMissing(error)) throw notFound(key);
        throw error;
      }
      const info = await handle.stat();
      if (!info.isFile()) {
        await handle.close();
        throw notFound(key);
      }
      // The stream owns the descriptor and closes it on end, error or destroy.
      return handle.createReadStream(range === undefined ? {} : { start: range.start, end: range.end });
    },
  };
}
