import { crc32 } from 'node:zlib';
import { DownloadError } from '../errors';
import { openObject, storageFailure } from '../http/open-object';
import { readChunks, type ChunkReader } from '../http/read-chunks';
import type { ByteRange, StorageAdapter, StoredObject } from '../storage/types';
import type { CrcMemory } from './crc-memory';
import { inTurns } from './in-turns';
import type { ByteBudget } from '../http/byte-budget';
import { centralRecord, dataDescriptor, endRecords, localHeader, zipParts, type ZipEntry, type ZipLayout } from './zip-layout';

/** Where one member's bytes are. */
export interface MemberSource {
  storage: StorageAdapter;
  key: string;
  /** What a CRC-32 learnt for it is remembered under (its key and version), or `undefined`: never remembered. */
  crcKey: string | undefined;
  /** The store's ETag when the link was issued, if it had one: another one now is a changed member. */
  etag?: string | undefined;
}

/** An archive ready to stream: its layout, its members' sources (in layout order) and the CRC-32s learnt so far. */
export interface ArchivePlan {
  layout: ZipLayout;
  sources: readonly MemberSource[];
  crcs: CrcMemory;
  /**
   * CRC-32s being worked out right now, by member version, shared by the
   * transfers of one router: concurrent resumes of an archive nobody has read
   * yet read each member once between them, not once each.
   */
  settling?: Map<string, SharedRun> | undefined;
  /** Members being read before headers at once, for the whole router (each waits its turn). */
  slots?: ByteBudget | undefined;
  /** Told once when a read fails after the headers went out: the transfer is cut, and the host should hear why. */
  failed?: ((error: unknown) => void) | undefined;
}

/** Bytes of a member read at a time. */
const PIECE = 256 * 1024;
/** Members up to this size are opened ahead of the transfer, at most READ_AHEAD at a time. */
const SMALL_MEMBER = 256 * 1024;
const READ_AHEAD = 8;
/** Members read at once to settle the CRC-32s a range needs before its headers. */
const SETTLING = 4;

/** A CRC-32 under way over a member's bytes from its first. */
export interface Running {
  crc: number;
  /** Bytes of the member it covers so far. */
  upTo: number;
}

/** A member that is no longer what the link bound: 412, never a corrupt archive. */
export function memberChanged(why: string): DownloadError {
  return new DownloadError('PRECONDITION_FAILED', 'A file in this archive has changed since the link was issued.', { cause: new Error(why) });
}

/** Opens a member for `[from, to)`, checking it still has the size the link bound; a changed member fails the archive. */
export async function openMember(source: MemberSource, entry: Pick<ZipEntry, 'member'>, from: number, to: number) {
  const object = await openObject(source.storage, source.key, { body: true, range: { start: from, end: to - 1 } }, {});
  if (object === null) throw new DownloadError('FILE_NOT_FOUND', undefined, { cause: new Error(`archive member ${entry.member.name}: storage has no object ${source.key}`) });
  const changed = object.size !== entry.member.size ? `${object.size} bytes, the link bound ${entry.member.size}`
    : source.etag !== undefined && object.etag !== undefined && object.etag !== source.etag ? `ETag ${object.etag}, the link bound ${source.etag}` : undefined;
  if (changed !== undefined) {
    object.close();
    throw memberChanged(`archive member ${entry.member.name}: ${changed}`);
  }
  return object;
}

/** Reads `[from, to)` of a member, a piece at a time, handing each piece to `each` (and waiting for it) before the next is read. */
export async function readMember(source: MemberSource, entry: Pick<ZipEntry, 'member'>, from: number, to: number, each: (piece: Buffer) => void | Promise<void>): Promise<void> {
  if (to <= from) return;
  const object = await openMember(source, entry, from, to);
  const reader = readChunks(object, to - from, from);
  try {
    for (let read = from; read < to; ) {
      const piece = await reader.read(Math.min(PIECE, to - read));
      read += piece.length;
      const taken = each(piece);
      if (taken !== undefined) await taken;
    }
  } finally {
    reader.close();
    object.close();
  }
}

/** The CRC-32 of a member's bytes `[0, upTo)`, read from the store; stops (rejects) once `signal` aborts. */
async function readCrc(source: MemberSource, entry: ZipEntry, upTo: number, signal: AbortSignal | undefined): Promise<Running> {
  const run: Running = { crc: 0, upTo: 0 };
  await readMember(source, entry, 0, upTo, (piece) => {
    signal?.throwIfAborted();
    run.crc = crc32(piece, run.crc);
    run.upTo += piece.length;
  });
  return run;
}

/** `work`, or a rejection as soon as `signal` aborts (the work itself is left to its own signal). */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/** A CRC-32 being worked out for every request that needs it; stopped when the last of them goes away. */
export interface SharedRun {
  result: Promise<Running>;
  waiters: number;
  stop: AbortController;
}

/** One positional read into `buffer`, as a promise; resolves the bytes read. */
function readInto(object: StoredObject, buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => object.readAt!(buffer, offset, length, position, (error, bytes) => (error ? reject(error) : resolve(bytes))));
}

/** The member being read: its object, and for a store without positional reads, a reader from where the last read ended. */
interface OpenMember {
  index: number;
  object: StoredObject;
  chunks: { reader: ChunkReader; at: number } | undefined;
}

/**
 * Reads the bytes of an archive at any position, as a file's descriptor
 * would be read: the serving engine sends them with its own buffers, so an
 * archive costs what a file costs. Reads are expected in order (as a
 * transfer makes them); each member is opened once for the bytes a transfer
 * takes of it. A CRC-32 a record does not state is taken from what was
 * learnt before, or run over the member's bytes as they are read; one the
 * range needs before its bytes pass (a resume) is settled by
 * {@link ArchiveReader.prepare}, before anything is sent. Reads reject with
 * a `DownloadError` when a member is gone or changed, or the store fails.
 */
export class ArchiveReader {
  readonly #plan: ArchivePlan;
  /** CRC-32s known for this transfer, by member index. */
  readonly #known = new Map<number, number>();
  /** CRC-32s under way, by member index. */
  readonly #running = new Map<number, Running>();
  #member: OpenMember | undefined;
  /** Members opened ahead of the transfer, by index (see #openAhead). */
  readonly #ahead = new Map<number, Promise<StoredObject>>();
  #failed = false;

  constructor(plan: ArchivePlan) {
    this.#plan = plan;
  }

  get size(): number {
    return this.#plan.layout.size;
  }

  /** The CRC-32 of the member's bytes, as a full read found it (in this transfer or an earlier one), or `undefined`. */
  #learnt(entry: ZipEntry): number | undefined {
    const known = this.#known.get(entry.index);
    if (known !== undefined) return known;
    const key = this.#plan.sources[entry.index]!.crcKey;
    const learnt = key === undefined ? undefined : this.#plan.crcs.get(key);
    if (learnt !== undefined) this.#known.set(entry.index, learnt);
    return learnt;
  }

  /** The CRC-32 the archive carries for a member: the one its record states, else the one learnt. */
  #crcOf(entry: ZipEntry): number | undefined {
    return entry.member.crc32 ?? this.#learnt(entry);
  }

  /**
   * A record's `crc32` is checked against the member's bytes the first time
   * they are read whole; from then on, what was found decides up front. A
   * wrong one fails the archive (500, the record named in the cause), never
   * a complete download an unpacker then rejects.
   */
  #checkStated(entry: ZipEntry): void {
    const stated = entry.member.crc32;
    const learnt = stated === undefined ? undefined : this.#learnt(entry);
    if (learnt === undefined || learnt === stated) return;
    throw new DownloadError('INTERNAL_ERROR', undefined, {
      cause: new Error(`archive member ${entry.member.name}: its record states crc32 ${stated}, its bytes have ${learnt}; correct the record (or leave crc32 out)`),
    });
  }

  #learn(entry: ZipEntry, crc: number): void {
    this.#known.set(entry.index, crc);
    const key = this.#plan.sources[entry.index]!.crcKey;
    if (key !== undefined) this.#plan.crcs.set(key, crc);
  }

  #needCrc(entry: ZipEntry): number {
    const crc = this.#crcOf(entry);
    if (crc !== undefined) return crc;
    // Reached only when reads skip bytes prepare() was not told of: a caller's bug, never a guess.
    throw new DownloadError('INTERNAL_ERROR', undefined, { cause: new Error(`archive member ${entry.member.name}: no CRC-32 where one is needed`) });
  }

  /**
   * Settles the CRC-32s the inclusive `range` needs and nobody knows: each
   * is run over the member's bytes before the range (read, not sent), then
   * carried on over the bytes the range reads (all of them, when it reads
   * none).
   */
  async prepare(range: ByteRange, signal?: AbortSignal): Promise<void> {
    const { layout } = this.#plan;
    const parts = [...zipParts(layout, range.start, range.end)];
    const readFrom = new Map<number, number>();
    for (const part of parts) if (part.kind === 'data' && part.to === part.entry.member.size) readFrom.set(part.entry.index, part.from);
    for (const entry of layout.entries) this.#checkStated(entry);
    const needed = new Map<number, ZipEntry>();
    for (const part of parts) {
      if ((part.kind === 'descriptor' || part.kind === 'central') && !this.#running.has(part.entry.index) && this.#crcOf(part.entry) === undefined) needed.set(part.entry.index, part.entry);
    }
    await inTurns([...needed.values()], SETTLING, async (entry) => {
      const upTo = readFrom.get(entry.index) ?? entry.member.size;
      const settled = await this.#settle(entry, upTo, signal);
      this.#running.set(entry.index, { ...settled });
      if (upTo === entry.member.size) this.#learn(entry, settled.crc);
    });
    // The first member the range reads is opened now: one that changed is 412 before any header.
    const first = parts.find((part) => part.kind === 'data');
    if (first?.kind === 'data') await this.#open(first.entry, first.from);
  }

  /**
   * The CRC-32 of a member's first `upTo` bytes, read (not sent) before the
   * headers. Such reads are the costly part of a resume: the router's
   * `slots` bound how many run at once, a member read whole is read once
   * however many requests need it at the same time, and a reading stops
   * when no request is waiting for it any more (clients that hung up).
   */
  async #settle(entry: ZipEntry, upTo: number, signal: AbortSignal | undefined): Promise<Running> {
    const { sources, settling, slots } = this.#plan;
    const source = sources[entry.index]!;
    const key = source.crcKey;
    const read = async (stop: AbortSignal | undefined) => {
      const release = await (slots?.acquire(1) ?? Promise.resolve(() => undefined));
      try {
        stop?.throwIfAborted();
        return await readCrc(source, entry, upTo, stop);
      } finally {
        release();
      }
    };
    if (upTo !== entry.member.size || key === undefined || settling === undefined) return read(signal);
    let run = settling.get(key);
    if (run === undefined) {
      const stop = new AbortController();
      const started: SharedRun = { result: read(stop.signal).finally(() => settling.delete(key)), waiters: 0, stop };
      started.result.catch(() => undefined);
      settling.set(key, (run = started));
    }
    const shared = run;
    shared.waiters++;
    try {
      return await unlessAborted(shared.result, signal);
    } finally {
      if (--shared.waiters === 0) shared.stop.abort();
    }
  }

  /** Reads up to `length` archive bytes at `position` into `buffer` at `offset`; resolves how many (fewer only at a member's end or the archive's). */
  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    try {
      return await this.#read(buffer, offset, length, position);
    } catch (error) {
      // Reported once: the transfer ends here, and the host hears why.
      if (!this.#failed) this.#plan.failed?.(error);
      this.#failed = true;
      throw error;
    }
  }

  async #read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    const { layout } = this.#plan;
    const end = Math.min(layout.size, position + length) - 1;
    let filled = 0;
    for (const part of zipParts(layout, position, end)) {
      const at = offset + filled;
      const wanted = part.to - part.from;
      switch (part.kind) {
        case 'header':
          // Made on demand, as every record here: an archive of 70,000 members keeps none of them.
          localHeader(part.entry).copy(buffer, at, part.from, part.to);
          break;
        case 'data': {
          const read = await this.#readData(part.entry, part.from, part.to, buffer, at);
          filled += read;
          if (read < wanted) return filled;
          continue;
        }
        case 'descriptor':
          dataDescriptor(part.entry, this.#needCrc(part.entry)).copy(buffer, at, part.from, part.to);
          break;
        case 'central':
          centralRecord(part.entry, this.#needCrc(part.entry)).copy(buffer, at, part.from, part.to);
          break;
        case 'end':
          endRecords(layout).copy(buffer, at, part.from, part.to);
          break;
      }
      filled += wanted;
    }
    return filled;
  }

  /** Reads member bytes `[from, to)` (some of them) into `buffer` at `at`, running its CRC-32 where one is under way. */
  async #readData(entry: ZipEntry, from: number, to: number, buffer: Buffer, at: number): Promise<number> {
    const member = await this.#open(entry, from);
    let read: number;
    if (member.object.readAt !== undefined) {
      read = await readInto(member.object, buffer, at, to - from, from).catch((error: unknown) => { throw storageFailure(error); });
      if (read === 0) throw new DownloadError('STORAGE_ERROR', undefined, { cause: new Error(`archive member ${entry.member.name} ended at ${from} of ${entry.member.size} bytes`) });
    } else {
      if (member.chunks === undefined || member.chunks.at !== from) {
        member.chunks?.reader.close();
        member.chunks = { reader: readChunks(member.object, entry.member.size - from, from), at: from };
      }
      const piece = await member.chunks.reader.read(to - from);
      read = piece.copy(buffer, at);
      member.chunks.at += read;
    }
    // A member read from its first byte teaches its CRC-32 even when this transfer needs none.
    // So does one whose record states a CRC-32 not yet checked against its bytes.
    let run = this.#running.get(entry.index);
    if (run === undefined && from === 0 && this.#learnt(entry) === undefined) this.#running.set(entry.index, (run = { crc: 0, upTo: 0 }));
    if (run !== undefined && run.upTo === from && !this.#known.has(entry.index)) {
      run.crc = crc32(buffer.subarray(at, at + read), run.crc);
      run.upTo += read;
      if (run.upTo === entry.member.size) {
        this.#learn(entry, run.crc);
        this.#checkStated(entry);
      }
    }
    return read;
  }

  /** The member for a read at `from`: the one open, or the next, opened for the rest of its bytes (one storage trip a member). */
  async #open(entry: ZipEntry, from: number): Promise<OpenMember> {
    if (this.#member?.index === entry.index) return this.#member;
    this.#closeMember();
    const early = this.#ahead.get(entry.index);
    this.#ahead.delete(entry.index);
    const object = early !== undefined && from === 0 ? await early : await openMember(this.#plan.sources[entry.index]!, entry, from, entry.member.size);
    if (early !== undefined && from !== 0) early.then((unused) => unused.close(), () => undefined);
    this.#member = { index: entry.index, object, chunks: undefined };
    this.#openAhead(entry.index);
    return this.#member;
  }

  /**
   * Small members cost a storage trip each for a few bytes: the next ones are
   * opened while this one is sent, so ten thousand 1 KiB files do not wait
   * for ten thousand trips in a row. Large members are opened when reached
   * (a trip is nothing beside their bytes, and S3 would hold a connection).
   */
  #openAhead(index: number): void {
    const { layout, sources } = this.#plan;
    for (let next = index + 1; next <= index + READ_AHEAD && next < layout.entries.length; next++) {
      const entry = layout.entries[next]!;
      if (entry.member.size > SMALL_MEMBER) break;
      if (entry.member.size === 0 || this.#ahead.has(next)) continue;
      const opening = openMember(sources[next]!, entry, 0, entry.member.size);
      // A failure is the read's to report, when (and if) the transfer gets there.
      opening.catch(() => undefined);
      this.#ahead.set(next, opening);
    }
  }

  /** Closes the member being read, if any. */
  #closeMember(): void {
    const member = this.#member;
    this.#member = undefined;
    member?.chunks?.reader.close();
    member?.object.close();
  }

  /** The transfer is over: closes the member being read and those opened ahead. */
  close(): void {
    this.#closeMember();
    for (const opening of this.#ahead.values()) opening.then((object) => object.close(), () => undefined);
    this.#ahead.clear();
  }
}
