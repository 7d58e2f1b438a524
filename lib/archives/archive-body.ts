import { crc32 } from 'node:zlib';
import { DownloadError } from '../errors';
import { openObject } from '../http/open-object';
import { readChunks } from '../http/read-chunks';
import type { ByteRange, StorageAdapter } from '../storage/types';
import type { CrcMemory } from './crc-memory';
import { centralRecord, dataDescriptor, endRecords, localHeader, zipParts, type ZipEntry, type ZipLayout } from './zip-layout';

/** Where one member's bytes are. */
export interface MemberSource {
  storage: StorageAdapter;
  key: string;
  /** What a CRC-32 learnt for it is remembered under (its key and version), or `undefined`: never remembered. */
  crcKey: string | undefined;
}

/** An archive ready to stream: its layout, its members' sources (in layout order) and the CRC-32s learnt so far. */
export interface ArchivePlan {
  layout: ZipLayout;
  sources: readonly MemberSource[];
  crcs: CrcMemory;
}

/** Where the bytes go: resolves once `chunk` may be followed by more (back-pressure), rejects once the client is gone. */
export type ArchiveSink = (chunk: Buffer) => Promise<void>;

/** Bytes of a member read at a time. */
const PIECE = 256 * 1024;

/** A CRC-32 under way over a member's bytes from its first. */
interface Running {
  crc: number;
  /** Bytes of the member it covers so far. */
  upTo: number;
}

/** Opens a member for `[from, to)`, checking it still has the size the link bound; a changed member fails the archive. */
async function openMember(source: MemberSource, entry: ZipEntry, from: number, to: number) {
  const object = await openObject(source.storage, source.key, { body: true, range: { start: from, end: to - 1 } }, {});
  if (object === null) throw new DownloadError('FILE_NOT_FOUND', undefined, { cause: new Error(`archive member ${entry.member.name}: storage has no object ${source.key}`) });
  if (object.size !== entry.member.size) {
    object.close();
    throw new DownloadError('PRECONDITION_FAILED', 'A file in this archive has changed since the link was issued.', {
      cause: new Error(`archive member ${entry.member.name}: ${object.size} bytes, the link bound ${entry.member.size}`),
    });
  }
  return object;
}

/** Reads `[from, to)` of a member, a piece at a time, handing each piece to `each` before the next is read. */
async function readMember(source: MemberSource, entry: ZipEntry, from: number, to: number, each: (piece: Buffer) => Promise<void> | void): Promise<void> {
  if (to <= from) return;
  const object = await openMember(source, entry, from, to);
  // The sink may queue a piece (a stream's buffer): each must stay as read.
  const reader = readChunks(object, to - from, from, { keepPieces: true });
  try {
    for (let read = from; read < to; ) {
      const piece = await reader.read(Math.min(PIECE, to - read));
      read += piece.length;
      await each(piece);
    }
  } finally {
    reader.close();
    object.close();
  }
}

/**
 * Gets the inclusive byte `range` of the archive ready to stream, and
 * returns what streams it into a sink. Each member is one storage trip for
 * the bytes the range takes of it. A CRC-32 the range needs (a data
 * descriptor or central record within it) comes from the member record, from
 * what was learnt before, or from the member's bytes: those the range
 * streams anyway, plus those before the range's start, read (not sent) here,
 * before anything is sent. Every member streamed whole teaches its CRC-32.
 * Both steps reject with a `DownloadError` when a member is gone or changed,
 * or the store fails; once bytes went out, the caller ends the response as
 * failed, never as complete.
 */
export async function archiveRange(plan: ArchivePlan, range: ByteRange): Promise<(sink: ArchiveSink) => Promise<void>> {
  const { layout, sources, crcs } = plan;
  const known = new Map<number, number>();
  const crcOf = (entry: ZipEntry): number | undefined => {
    const given = entry.member.crc32 ?? known.get(entry.index);
    if (given !== undefined) return given;
    const key = sources[entry.index]!.crcKey;
    const learnt = key === undefined ? undefined : crcs.get(key);
    if (learnt !== undefined) known.set(entry.index, learnt);
    return learnt;
  };
  const learn = (entry: ZipEntry, crc: number) => {
    known.set(entry.index, crc);
    const key = sources[entry.index]!.crcKey;
    if (key !== undefined) crcs.set(key, crc);
  };

  // The CRC-32s this range needs and nobody knows: each is run over the member's bytes before the range,
  // then carried on over the bytes the range streams (all of them, when the range takes none).
  const running = new Map<number, Running>();
  const parts = [...zipParts(layout, range.start, range.end)];
  const streamedFrom = new Map<number, number>();
  for (const part of parts) if (part.kind === 'data' && part.to === part.entry.member.size) streamedFrom.set(part.entry.index, part.from);
  for (const part of parts) {
    if ((part.kind !== 'descriptor' && part.kind !== 'central') || running.has(part.entry.index) || crcOf(part.entry) !== undefined) continue;
    const { entry } = part;
    const upTo = streamedFrom.get(entry.index) ?? entry.member.size;
    const run: Running = { crc: 0, upTo: 0 };
    await readMember(sources[entry.index]!, entry, 0, upTo, (piece) => {
      run.crc = crc32(piece, run.crc);
      run.upTo += piece.length;
    });
    running.set(entry.index, run);
    if (upTo === entry.member.size) learn(entry, run.crc);
  }

  return async (sink) => {
    for (const part of parts) {
      switch (part.kind) {
        case 'header':
          // Made on demand, as every record here: an archive of 70,000 members keeps none of them.
          await sink(localHeader(part.entry).subarray(part.from, part.to));
          break;
        case 'data': {
          const { entry } = part;
          // A member streamed from its first byte teaches its CRC-32 even when this range needs none.
          const run = running.get(entry.index) ?? (part.from === 0 && crcOf(entry) === undefined ? { crc: 0, upTo: 0 } : undefined);
          const tracked = run !== undefined && run.upTo === part.from && !known.has(entry.index);
          await readMember(sources[entry.index]!, entry, part.from, part.to, async (piece) => {
            if (tracked) run.crc = crc32(piece, run.crc);
            await sink(piece);
          });
          if (tracked && part.to === entry.member.size) learn(entry, run.crc);
          break;
        }
        case 'descriptor':
          await sink(dataDescriptor(part.entry, needCrc(part.entry, crcOf)).subarray(part.from, part.to));
          break;
        case 'central':
          await sink(centralRecord(part.entry, needCrc(part.entry, crcOf)).subarray(part.from, part.to));
          break;
        case 'end':
          await sink(endRecords(layout).subarray(part.from, part.to));
          break;
      }
    }
  };
}

function needCrc(entry: ZipEntry, crcOf: (entry: ZipEntry) => number | undefined): number {
  const crc = crcOf(entry);
  // archiveRange made sure of it; reaching here without one is a bug, not a client's problem.
  if (crc === undefined) throw new Error(`archive member ${entry.member.name}: no CRC-32 where one is needed`);
  return crc;
}
