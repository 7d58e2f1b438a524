import { close } from 'node:fs';
import type { Stats } from 'node:fs';

/** An open, checked file: its descriptor, the stat taken from it, and for a small file its bytes. */
export interface OpenedFile {
  fd: number;
  stats: Stats;
  /** The whole file, read once when it was opened (small files, within the cache's content budget). */
  content?: Buffer | undefined;
}

/** Options of the open-file cache (`fsStorage({ openFileCache })`). */
export interface OpenFileCacheOptions {
  /** Most descriptors kept open (default 1000). */
  maxEntries?: number | undefined;
  /**
   * How long an open descriptor and its stat are reused, in milliseconds
   * (default 1000). A file replaced, rewritten or deleted on disk is served in
   * its old version for at most this long after the change.
   */
  validityMs?: number | undefined;
  /**
   * Bytes of small files (up to 64 KiB each) kept in memory with their
   * descriptors (default 8 MiB; `0` keeps none). A hit then costs no read
   * at all: the thread-pool round trip of a read is most of what a small
   * download costs.
   */
  maxContentBytes?: number | undefined;
}

interface Entry {
  file: OpenedFile;
  expires: number;
  users: number;
  evicted: boolean;
}

const closeQuietly = (fd: number) => close(fd, () => undefined);

/**
 * Reuses the descriptors and stats of hot files for a short time, as nginx's
 * `open_file_cache` does: a hit costs no open, fstat, containment check or
 * close, only the reads. A descriptor is closed once it is evicted or
 * expired and no transfer still reads from it. Concurrent misses for one key
 * share a single open.
 */
export class OpenFileCache {
  readonly #entries = new Map<string, Entry>();
  readonly #pending = new Map<string, Promise<OpenedFile | undefined>>();
  readonly #maxEntries: number;
  readonly #validityMs: number;
  readonly #maxContentBytes: number;
  #contentBytes = 0;
  readonly #now: () => number;

  constructor(options: Required<OpenFileCacheOptions>, now: () => number = Date.now) {
    this.#maxEntries = options.maxEntries;
    this.#validityMs = options.validityMs;
    this.#maxContentBytes = options.maxContentBytes;
    this.#now = now;
    // Expired descriptors are closed even if their key is never asked for again
    // (a deleted file's space is freed); unref'd so the cache never keeps a process alive.
    // A weak reference, so a storage the host drops is collected with its timer.
    const self = new WeakRef(this);
    const timer = setInterval(() => {
      const cache = self.deref();
      if (cache === undefined) clearInterval(timer);
      else cache.sweep();
    }, Math.max(100, options.validityMs));
    timer.unref();
  }

  /** Whether `bytes` more of file content fit the budget now. */
  hasRoomFor(bytes: number): boolean {
    return this.#contentBytes + bytes <= this.#maxContentBytes;
  }

  /** Counts `bytes` of content until their entry goes; false (and nothing counted) when they no longer fit. */
  reserveContent(bytes: number): boolean {
    if (!this.hasRoomFor(bytes)) return false;
    this.#contentBytes += bytes;
    return true;
  }

  /** Closes the descriptors whose validity has passed (and that no transfer uses). */
  sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (now >= entry.expires) this.#evict(key, entry);
  }

  /** The file for `key`, opened by `open` on a miss; call `release` when done with it. */
  async acquire(key: string, open: () => Promise<OpenedFile | undefined>): Promise<{ file: OpenedFile; release: () => void } | undefined> {
    const hit = this.#entries.get(key);
    if (hit !== undefined && this.#now() < hit.expires) return this.#lease(hit);
    if (hit !== undefined) this.#evict(key, hit);
    let pending = this.#pending.get(key);
    if (pending === undefined) {
      pending = open().finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
      const file = await pending;
      if (file === undefined) return undefined;
      const entry: Entry = { file, expires: this.#now() + this.#validityMs, users: 0, evicted: false };
      this.#entries.set(key, entry);
      if (this.#entries.size > this.#maxEntries) {
        const oldest = this.#entries.keys().next().value!;
        this.#evict(oldest, this.#entries.get(oldest)!);
      }
      return this.#lease(entry);
    }
    // The opener puts it in the cache; take it from there (or open anew if it was evicted meanwhile).
    return (await pending) === undefined ? undefined : this.acquire(key, open);
  }

  #lease(entry: Entry): { file: OpenedFile; release: () => void } {
    entry.users++;
    let released = false;
    return {
      file: entry.file,
      release: () => {
        if (released) return;
        released = true;
        entry.users--;
        if (entry.evicted && entry.users === 0) closeQuietly(entry.file.fd);
      },
    };
  }

  #evict(key: string, entry: Entry): void {
    if (this.#entries.get(key) === entry) this.#entries.delete(key);
    if (entry.evicted) return;
    entry.evicted = true;
    if (entry.file.content !== undefined) this.#contentBytes -= entry.file.content.length;
    if (entry.users === 0) closeQuietly(entry.file.fd);
  }

  /** Closes every descriptor no transfer is using; the rest close when their transfers end. */
  clear(): void {
    for (const [key, entry] of this.#entries) this.#evict(key, entry);
  }

  /** Descriptors held. */
  get size(): number {
    return this.#entries.size;
  }
}
