/**
 * The byte layout of a stored (uncompressed) ZIP archive, worked out before a
 * byte of it is sent: every header's offset and length follow from the
 * members' names and sizes alone, so the archive has an exact length and any
 * byte range of it can be produced without building what comes before.
 *
 * Written here rather than taken from a ZIP library: yazl and zip-stream
 * write an archive front to back, and cannot produce the bytes of a range of
 * one that was never built (a resumed download). APPNOTE.TXT 6.3.10 is the
 * reference; the layout is checked against unzip, 7-Zip, libarchive and
 * Python's zipfile in the tests.
 *
 * A member whose CRC-32 is known when the link is issued carries it in its
 * local header. One whose CRC-32 is not yet known has general purpose bit 3
 * set: its local header holds zeros and a data descriptor after its bytes
 * holds the CRC-32 and sizes. The layout is fixed either way, so only the
 * descriptor's and the central directory's bytes ever need a CRC-32.
 */

/** One file in the archive, as the link binds it. */
export interface ZipMember {
  /** The entry's name: already made safe, and unique in the archive. */
  name: string;
  size: number;
  /** The CRC-32 known when the link was issued, else `undefined` (a data descriptor follows the bytes). */
  crc32: number | undefined;
  modified: Date;
}

/** Where one member's parts lie in the archive. */
export interface ZipEntry {
  /** The member's position in the list the layout was made from. */
  readonly index: number;
  readonly member: ZipMember;
  readonly nameBytes: Buffer;
  /** Compressed with deflate (method 8); else stored (method 0). */
  readonly deflated: boolean;
  /** The bytes of its data in the archive: its size when stored, the compressed size when deflated. */
  readonly packedSize: number;
  /** The local header's first byte; its bytes end where the data starts. */
  readonly headerOffset: number;
  readonly dataOffset: number;
  /** One past the data's last byte: the data descriptor's first, if there is one. */
  readonly dataEnd: number;
  /** One past the entry's last byte (the descriptor's, or the data's). */
  readonly end: number;
  readonly descriptor: boolean;
  /** Sizes of 4 GiB or more (or, deflated, that could reach it): ZIP64 fields in the local header and the descriptor. */
  readonly large: boolean;
  /** This entry's record in the central directory: its offset and length. */
  readonly centralOffset: number;
  readonly centralLength: number;
}

export interface ZipLayout {
  readonly entries: readonly ZipEntry[];
  readonly centralOffset: number;
  /** Where the central directory ends and the end records (ZIP64 ones first, if any) begin. */
  readonly endOffset: number;
  readonly size: number;
}

const LOCAL_HEADER = 30;
const CENTRAL_HEADER = 46;
const END_RECORD = 22;
const ZIP64_END_RECORD = 56;
const ZIP64_LOCATOR = 20;
/** A 4-byte field holds up to this; at or past it, the field says 0xFFFFFFFF and a ZIP64 field holds the value. */
const MAX32 = 0xffffffff;
const MAX16 = 0xffff;

const FLAG_DESCRIPTOR = 0x0008;
const METHOD_STORE = 0;
const METHOD_DEFLATE = 8;
const FLAG_UTF8 = 0x0800;
/** Version 2.0 (what a stored entry with a data descriptor needs); 4.5 with ZIP64 fields. */
const VERSION = 20;
const VERSION_ZIP64 = 45;
/** Made by UNIX (3), so the external attributes below are a mode: a regular file, rw-r--r--. */
const MADE_BY_UNIX = 3 << 8;
const REGULAR_FILE = (0o100644 << 16) >>> 0;

/** The central directory's ZIP64 extra field: only the values that overflow, in this order. */
function centralZip64Fields(size: number, packedSize: number, offset: number): number[] {
  const fields: number[] = [];
  if (size >= MAX32) fields.push(size);
  if (packedSize >= MAX32) fields.push(packedSize);
  if (offset >= MAX32) fields.push(offset);
  return fields;
}

/**
 * Deflate can make incompressible data a little larger (5 bytes per 16 KiB
 * block at worst): a member this close to 4 GiB may come out past it, so it
 * gets ZIP64 fields before its compressed size is known.
 */
const DEFLATE_MARGIN = 0x01000000;

/** Where `member`'s local header, data and descriptor lie when its header starts at `headerOffset`. */
export function placeEntry(member: ZipMember, index: number, headerOffset: number, deflated: boolean, packedSize: number): Omit<ZipEntry, 'centralOffset' | 'centralLength'> {
  const nameBytes = Buffer.from(member.name, 'utf8');
  if (nameBytes.length > MAX16) throw new RangeError(`a member name of ${nameBytes.length} bytes: at most ${MAX16}`);
  const large = member.size >= (deflated ? MAX32 - DEFLATE_MARGIN : MAX32);
  const descriptor = deflated || member.crc32 === undefined;
  const dataOffset = headerOffset + LOCAL_HEADER + nameBytes.length + (large ? 20 : 0);
  const dataEnd = dataOffset + packedSize;
  const end = dataEnd + (descriptor ? (large ? 24 : 16) : 0);
  return { index, member, nameBytes, deflated, packedSize, headerOffset, dataOffset, dataEnd, end, descriptor, large };
}

/** The layout of entries placed one after the other: the central directory and end records follow the last. */
export function closeLayout(placed: readonly Omit<ZipEntry, 'centralOffset' | 'centralLength'>[]): ZipLayout {
  const entries: ZipEntry[] = [];
  const centralOffset = placed.length === 0 ? 0 : placed.at(-1)!.end;
  let offset = centralOffset;
  for (const entry of placed) {
    const zip64 = centralZip64Fields(entry.member.size, entry.packedSize, entry.headerOffset);
    const centralLength = CENTRAL_HEADER + entry.nameBytes.length + (zip64.length === 0 ? 0 : 4 + 8 * zip64.length);
    entries.push({ ...entry, centralOffset: offset, centralLength });
    offset += centralLength;
  }
  const endOffset = offset;
  const zip64End = entries.length >= MAX16 || centralOffset >= MAX32 || endOffset - centralOffset >= MAX32;
  const size = endOffset + (zip64End ? ZIP64_END_RECORD + ZIP64_LOCATOR : 0) + END_RECORD;
  if (!Number.isSafeInteger(size)) throw new RangeError('the archive would be larger than 2^53 bytes');
  return { entries, centralOffset, endOffset, size };
}

/** Lays out `members`, stored, in order. Throws a RangeError past what a ZIP64 archive can hold. */
export function layoutZip(members: readonly ZipMember[]): ZipLayout {
  const placed: Omit<ZipEntry, 'centralOffset' | 'centralLength'>[] = [];
  let offset = 0;
  for (const member of members) {
    const entry = placeEntry(member, placed.length, offset, false, member.size);
    placed.push(entry);
    offset = entry.end;
  }
  return closeLayout(placed);
}

/** MS-DOS date and time (local fields, 2-second steps, from 1980), as ZIP stores them; earlier dates are 1980-01-01. */
function dosDateTime(date: Date): { time: number; date: number } {
  const year = date.getUTCFullYear();
  if (year < 1980) return { time: 0, date: (1 << 5) | 1 };
  if (year > 2107) return { time: (23 << 11) | (59 << 5) | 29, date: (127 << 9) | (12 << 5) | 31 };
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}

/** Writes little-endian fields in order. */
class Fields {
  readonly bytes: Buffer;
  #at = 0;

  constructor(length: number) {
    this.bytes = Buffer.alloc(length);
  }

  u16(value: number): this {
    this.#at = this.bytes.writeUInt16LE(value, this.#at);
    return this;
  }

  u32(value: number): this {
    this.#at = this.bytes.writeUInt32LE(value >>> 0, this.#at);
    return this;
  }

  u64(value: number): this {
    this.#at = this.bytes.writeBigUInt64LE(BigInt(value), this.#at);
    return this;
  }

  raw(bytes: Buffer): this {
    this.#at += bytes.copy(this.bytes, this.#at);
    return this;
  }
}

/** The local header of `entry`: its bytes are [headerOffset, dataOffset). */
export function localHeader(entry: Pick<ZipEntry, 'member' | 'nameBytes' | 'large' | 'descriptor' | 'deflated' | 'headerOffset' | 'dataOffset'>): Buffer {
  const { member, nameBytes, large, descriptor } = entry;
  const { time, date } = dosDateTime(member.modified);
  const out = new Fields(entry.dataOffset - entry.headerOffset)
    .u32(0x04034b50)
    .u16(large ? VERSION_ZIP64 : VERSION)
    .u16(FLAG_UTF8 | (descriptor ? FLAG_DESCRIPTOR : 0))
    .u16(entry.deflated ? METHOD_DEFLATE : METHOD_STORE)
    .u16(time)
    .u16(date)
    // With a descriptor, the CRC-32 and sizes come after the data (zeros here, as APPNOTE 4.4.4 asks).
    .u32(descriptor ? 0 : member.crc32!);
  if (large) out.u32(MAX32).u32(MAX32);
  else out.u32(descriptor ? 0 : member.size).u32(descriptor ? 0 : member.size);
  out.u16(nameBytes.length).u16(large ? 20 : 0).raw(nameBytes);
  if (large) out.u16(0x0001).u16(16).u64(descriptor ? 0 : member.size).u64(descriptor ? 0 : member.size);
  return out.bytes;
}

/** The data descriptor after `entry`'s bytes: [dataEnd, end). */
export function dataDescriptor(entry: ZipEntry, crc32: number): Buffer {
  const { size } = entry.member;
  const out = new Fields(entry.end - entry.dataEnd).u32(0x08074b50).u32(crc32);
  return entry.large ? out.u64(entry.packedSize).u64(size).bytes : out.u32(entry.packedSize).u32(size).bytes;
}

/** `entry`'s record in the central directory. */
export function centralRecord(entry: ZipEntry, crc32: number): Buffer {
  const { member, nameBytes, headerOffset, descriptor, packedSize } = entry;
  const { time, date } = dosDateTime(member.modified);
  const zip64 = centralZip64Fields(member.size, packedSize, headerOffset);
  const version = zip64.length > 0 || entry.large ? VERSION_ZIP64 : VERSION;
  const out = new Fields(entry.centralLength)
    .u32(0x02014b50)
    .u16(MADE_BY_UNIX | version)
    .u16(version)
    .u16(FLAG_UTF8 | (descriptor ? FLAG_DESCRIPTOR : 0))
    .u16(entry.deflated ? METHOD_DEFLATE : METHOD_STORE)
    .u16(time)
    .u16(date)
    .u32(crc32)
    .u32(packedSize >= MAX32 ? MAX32 : packedSize)
    .u32(member.size >= MAX32 ? MAX32 : member.size)
    .u16(nameBytes.length)
    .u16(zip64.length === 0 ? 0 : 4 + 8 * zip64.length)
    .u16(0) // comment
    .u16(0) // disk
    .u16(0) // internal attributes
    .u32(REGULAR_FILE)
    .u32(headerOffset >= MAX32 ? MAX32 : headerOffset)
    .raw(nameBytes);
  if (zip64.length > 0) {
    out.u16(0x0001).u16(8 * zip64.length);
    for (const value of zip64) out.u64(value);
  }
  return out.bytes;
}

/** The end records: [endOffset, size). */
export function endRecords(layout: ZipLayout): Buffer {
  const count = layout.entries.length;
  const centralSize = layout.endOffset - layout.centralOffset;
  const zip64 = layout.size - layout.endOffset > END_RECORD;
  const out = new Fields(layout.size - layout.endOffset);
  if (zip64) {
    out.u32(0x06064b50).u64(ZIP64_END_RECORD - 12).u16(MADE_BY_UNIX | VERSION_ZIP64).u16(VERSION_ZIP64)
      .u32(0).u32(0).u64(count).u64(count).u64(centralSize).u64(layout.centralOffset);
    out.u32(0x07064b50).u32(0).u64(layout.endOffset).u32(1);
  }
  return out.u32(0x06054b50).u16(0).u16(0)
    .u16(Math.min(count, MAX16)).u16(Math.min(count, MAX16))
    .u32(Math.min(centralSize, MAX32)).u32(Math.min(layout.centralOffset, MAX32))
    .u16(0).bytes;
}

/**
 * The parts of the archive that make up the inclusive byte range [start,
 * end], in order: headers and end records as bytes, a member's data as the
 * range of its own bytes to read, a descriptor or a central record as what
 * needs a CRC-32. `from`/`to` are offsets within the part (to exclusive).
 */
export type ZipPart =
  | { kind: 'header'; entry: ZipEntry; from: number; to: number }
  | { kind: 'data'; entry: ZipEntry; from: number; to: number }
  | { kind: 'descriptor'; entry: ZipEntry; from: number; to: number }
  | { kind: 'central'; entry: ZipEntry; from: number; to: number }
  | { kind: 'end'; from: number; to: number };

/** The first entry whose part ending at `endOf(entry)` lies past `offset` (binary search). */
function firstEndingAfter(entries: readonly ZipEntry[], offset: number, endOf: (entry: ZipEntry) => number): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (endOf(entries[middle]!) <= offset) low = middle + 1;
    else high = middle;
  }
  return low;
}

export function* zipParts(layout: ZipLayout, start: number, end: number): Generator<ZipPart> {
  const stop = end + 1;
  const clip = (from: number, to: number) => ({ from: Math.max(start, from) - from, to: Math.min(stop, to) - from });
  const { entries } = layout;
  for (let i = firstEndingAfter(entries, start, (entry) => entry.end); i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.headerOffset >= stop) return;
    if (start < entry.dataOffset) yield { kind: 'header', entry, ...clip(entry.headerOffset, entry.dataOffset) };
    if (stop > entry.dataOffset && start < entry.dataEnd && entry.dataEnd > entry.dataOffset) yield { kind: 'data', entry, ...clip(entry.dataOffset, entry.dataEnd) };
    if (entry.descriptor && stop > entry.dataEnd) yield { kind: 'descriptor', entry, ...clip(entry.dataEnd, entry.end) };
  }
  for (let i = firstEndingAfter(entries, start, (entry) => entry.centralOffset + entry.centralLength); i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.centralOffset >= stop) return;
    yield { kind: 'central', entry, ...clip(entry.centralOffset, entry.centralOffset + entry.centralLength) };
  }
  if (stop > layout.endOffset) yield { kind: 'end', ...clip(layout.endOffset, layout.size) };
}
