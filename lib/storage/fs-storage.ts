import {
  close, closeSync, constants, fstat, open, openSync, read, readlink, readlinkSync, realpath, realpathSync, stat, statSync, type Stats,
} from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { rejectUnknownKeys } from '../options/validate';
import { isSafeKey } from './keys';
import { OpenFileCache, type OpenedFile, type OpenFileCacheOptions } from './open-file-cache';
import { readViaOpen } from './read-via-open';
import type { ByteRange, CompleteStorageAdapter, StorageStat, StoredObject } from './types';

const openFile = promisify(open);
const fstatFile = promisify(fstat);
const closeFile = promisify(close);
const readLink = promisify(readlink);
const realPath = promisify(realpath);
const readFile = (fd: number, buffer: Buffer, offset: number, length: number, position: number) =>
  new Promise<number>((resolve, reject) => read(fd, buffer, offset, length, position, (error, bytes) => (error ? reject(error) : resolve(bytes))));

/** Files up to this size are kept in memory by the open-file cache (within its content budget). */
const SMALL_CONTENT = 64 * 1024;
const statPath = promisify(stat);

/**
 * O_NONBLOCK: opening a FIFO or a device must never wait (a FIFO once froze
 * every thread-pool worker, issue 7 #7); what is not a regular file is then
 * refused without a single read. O_NOFOLLOW: a symlink in the last position is
 * resolved and checked explicitly instead of followed blindly.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** Options of {@link fsStorage}. */
export interface FsStorageOptions {
  /** Directory the keys are relative to; it must exist. Nothing outside it is ever read. */
  root: string;
  /**
   * Keys with a segment starting with `.` (`.env`, `.git/config`) are refused
   * as missing (`'deny'`, the default, as `express.static` does), or served (`'allow'`).
   */
  dotfiles?: 'deny' | 'allow' | undefined;
  /**
   * Reuse the descriptors and stats of hot files for `validityMs` (default
   * `{ maxEntries: 1000, validityMs: 1000 }`); `false` opens every time. A
   * file replaced or deleted on disk is served in its old version for at most
   * `validityMs` after the change. Every fsStorage in the process with the
   * same cache options shares one cache, and its limits are for all of them
   * together: one storage per tenant multiplies neither descriptors nor memory.
   */
  openFileCache?: false | OpenFileCacheOptions | undefined;
}

/** Errors that mean "there is no such regular file here" rather than "the disk failed". */
function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EISDIR' || code === 'ENAMETOOLONG' || code === 'ENXIO';
}

/** A strong validator in nginx's style: it changes whenever the size or the modification time does. */
export function fileEtag(size: number, mtimeMs: number): string {
  return `"${Math.floor(mtimeMs).toString(16)}-${size.toString(16)}"`;
}

function isInside(root: string, path: string): boolean {
  const inside = relative(root, path);
  return inside !== '' && inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside);
}

/** True when the kernel names open descriptors under /proc/self/fd (Linux): then the opened file itself is checked in one call. */
function procFdWorks(root: string): boolean {
  try {
    const fd = openSync(root, 'r');
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === root;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/**
 * Local-disk storage. Keys are checked before the disk is touched (no `..`,
 * absolute keys, NUL bytes, dotfiles by default); then the descriptor that
 * was actually opened is checked — a regular file whose real path lies inside
 * `root` — so swapping a directory for a symlink between a check and the
 * open gains nothing (issue 7 #4).
 *
 * @example
 * ```ts
 * import { fsStorage } from 'express-signed-downloads';
 *
 * // A record's `key` is a path under root, such as 'acme/q3-report.pdf'.
 * const storage = fsStorage({ root: '/srv/files' });
 * // Descriptors and small files kept open for repeat downloads, within these limits (process-wide).
 * const tuned = fsStorage({ root: '/srv/files', openFileCache: { maxEntries: 2000, maxContentBytes: 64 * 1024 * 1024 } });
 * ```
 */
export function fsStorage(options: FsStorageOptions): CompleteStorageAdapter {
  if (typeof options !== 'object' || options === null || typeof options.root !== 'string' || options.root === '') {
    throw new TypeError('fsStorage: pass { root } with the directory that holds the files.');
  }
  rejectUnknownKeys('fsStorage', options, ['root', 'dotfiles', 'openFileCache']);
  if (options.dotfiles !== undefined && options.dotfiles !== 'deny' && options.dotfiles !== 'allow') {
    throw new TypeError("fsStorage: `dotfiles` must be 'deny' (the default) or 'allow'.");
  }
  if (!isAbsolute(options.root)) {
    throw new TypeError(
      `fsStorage: root ${JSON.stringify(options.root)} is relative, so it would depend on the directory the process was started in. ` +
        "Pass an absolute path, e.g. path.resolve(__dirname, 'files') or fileURLToPath(new URL('./files', import.meta.url)).",
    );
  }
  let root: string;
  try {
    root = realpathSync(options.root);
  } catch {
    throw new TypeError(`fsStorage: root ${JSON.stringify(options.root)} does not exist; create it or fix the path.`);
  }
  if (!statSync(root).isDirectory()) throw new TypeError(`fsStorage: root ${JSON.stringify(options.root)} is not a directory.`);
  const place: Place = { root, allowDotfiles: options.dotfiles === 'allow', viaProc: procFdWorks(root), cache: sharedCache(options.openFileCache) };
  // Three small closures over one record: a multi-tenant app keeps one storage per tenant.
  const open = (key: string) => openObject(place, key);
  return {
    open,
    read: (key: string, range?: ByteRange) => readViaOpen(open, key, range),
    stat: (key: string) => statObject(open, key),
    write: (key: string, body: Buffer) => writeObject(place, key, body),
  };
}

/**
 * Writes `key` whole or not at all: into a temporary file beside it, then
 * renamed over it, so a concurrent reader sees the old file or the new one.
 * The directory it lands in must really lie inside root (a symlinked
 * directory pointing out is refused).
 */
async function writeObject(place: Place, key: string, body: Buffer): Promise<void> {
  if (!isKeyOf(place, key)) {
    throw new TypeError(`fsStorage: ${JSON.stringify(key)} is not a key this storage writes.`);
  }
  const path = join(place.root, key);
  const directory = dirname(path);
  await mkdir(directory, { recursive: true });
  const real = await realPath(directory);
  if (real !== place.root && !isInside(place.root, real)) throw new Error(`fsStorage: the directory of ${JSON.stringify(key)} lies outside root.`);
  const temporary = join(real, `.${randomBytes(8).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, body, { flag: 'wx' });
    await rename(temporary, join(real, basename(path)));
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** One storage's directory and how it reads it. */
interface Place {
  root: string;
  allowDotfiles: boolean;
  /** Whether /proc/self/fd names open descriptors (Linux). */
  viaProc: boolean;
  cache: OpenFileCache | undefined;
}

/** Whether the open descriptor is the file at a real path inside root. */
async function containsOpened({ root, viaProc }: Place, fd: number, stats: Stats, path: string): Promise<boolean> {
  if (viaProc) return isInside(root, await readLink(`/proc/self/fd/${fd}`));
  // Elsewhere: the path, resolved now, must lie inside root and name the very file that was opened.
  const real = await realPath(path);
  if (!isInside(root, real)) return false;
  const named = await statPath(real);
  return named.dev === stats.dev && named.ino === stats.ino;
}

async function openInside(root: string, path: string): Promise<number | undefined> {
  try {
    return await openFile(path, OPEN_FLAGS);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ELOOP') throw error;
  }
  // The last segment is a symlink: follow it only to a place inside root.
  const real = await realPath(path);
  return isInside(root, real) ? openFile(real, OPEN_FLAGS) : undefined;
}

/** Whether `key` may name a file of this storage at all: safe, and no dotfile segment unless allowed. */
function isKeyOf(place: Place, key: string): boolean {
  return isSafeKey(key) && (place.allowDotfiles || !key.split('/').some((segment) => segment.startsWith('.')));
}

/** Opens `key` and proves the descriptor is a regular file inside root; undefined when it is not. */
async function openChecked(place: Place, key: string): Promise<OpenedFile | undefined> {
  if (!isKeyOf(place, key)) return undefined;
  const path = join(place.root, key);
  let fd: number | undefined;
  try {
    fd = await openInside(place.root, path);
    if (fd === undefined) return undefined;
    const stats = await fstatFile(fd);
    if (stats.isFile() && (await containsOpened(place, fd, stats, path))) {
      const opened = { fd, stats };
      fd = undefined;
      return opened;
    }
    return undefined;
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  } finally {
    if (fd !== undefined) await closeFile(fd).catch(() => undefined);
  }
}

/** A small file opened for the cache is read whole at once, while the content budget has room. */
async function withContent(cache: OpenFileCache, file: OpenedFile | undefined): Promise<OpenedFile | undefined> {
  if (file === undefined || file.stats.size > SMALL_CONTENT || !cache.hasRoomFor(file.stats.size)) return file;
  const content = Buffer.allocUnsafe(file.stats.size);
  let filled = 0;
  while (filled < content.length) {
    const bytes = await readFile(file.fd, content, filled, content.length - filled, filled);
    if (bytes === 0) return file; // shrank since the stat: leave it to the reads
    filled += bytes;
  }
  if (cache.reserveContent(content.length)) file.content = content;
  return file;
}

/**
 * The checked file for `key` with a release function: from the cache, or
 * opened for this request alone. Cached under root and key: storages share
 * a cache, and the same key under another root is another file (and another
 * containment check).
 */
async function acquire(place: Place, key: string): Promise<{ file: OpenedFile; release: () => void } | undefined> {
  const { cache } = place;
  if (cache !== undefined) return cache.acquire(`${place.root}\u0000${key}`, async () => withContent(cache, await openChecked(place, key)));
  const file = await openChecked(place, key);
  return file === undefined ? undefined : { file, release: () => close(file.fd, () => undefined) };
}

async function openObject(place: Place, key: string): Promise<StoredObject | null> {
  const acquired = await acquire(place, key);
  if (acquired === undefined) return null;
  const { file, release } = acquired;
  const { size, mtime, mtimeMs } = file.stats;
  return {
    size,
    lastModified: mtime,
    etag: fileEtag(size, mtimeMs),
    ...(file.content === undefined ? {} : { body: file.content }),
    // Positional reads on the descriptor: concurrent transfers can share a cached one.
    readAt: (buffer, offset, length, position, callback) => read(file.fd, buffer, offset, length, position, callback),
    close: release,
  };
}

async function statObject(open: (key: string) => Promise<StoredObject | null>, key: string): Promise<StorageStat | null> {
  const object = await open(key);
  object?.close();
  return object === null ? null : { size: object.size, lastModified: object.lastModified!, etag: object.etag! };
}

/**
 * Every fsStorage with the same cache options shares one cache, so its
 * limits hold for all of them together: ten thousand tenants' storages keep
 * at most `maxEntries` descriptors and `maxContentBytes` of content, swept by
 * one timer.
 */
const sharedCaches = new Map<string, OpenFileCache>();

function sharedCache(value: unknown): OpenFileCache | undefined {
  const options = parseCache(value);
  if (options === undefined) return undefined;
  const name = `${options.maxEntries}/${options.validityMs}/${options.maxContentBytes}`;
  let cache = sharedCaches.get(name);
  if (cache === undefined) {
    cache = new OpenFileCache(options);
    sharedCaches.set(name, cache);
  }
  return cache;
}

function parseCache(value: unknown): Required<OpenFileCacheOptions> | undefined {
  if (value === false) return undefined;
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    throw new TypeError('fsStorage: `openFileCache` must be false or { maxEntries?, validityMs?, maxContentBytes? }.');
  }
  rejectUnknownKeys('fsStorage: openFileCache', value ?? {}, ['maxEntries', 'validityMs', 'maxContentBytes']);
  const { maxEntries = 1000, validityMs = 1000, maxContentBytes = 8 * 1024 * 1024 } = (value ?? {}) as OpenFileCacheOptions;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('fsStorage: openFileCache.maxEntries must be a positive integer.');
  if (!Number.isInteger(validityMs) || validityMs < 1 || validityMs > 3_600_000) {
    throw new RangeError('fsStorage: openFileCache.validityMs must be an integer number of milliseconds from 1 to 3600000 (it is how stale a replaced file may be served).');
  }
  if (!Number.isInteger(maxContentBytes) || maxContentBytes < 0) throw new RangeError('fsStorage: openFileCache.maxContentBytes must be a non-negative integer number of bytes (0 keeps no file content).');
  return { maxEntries, validityMs, maxContentBytes };
}
