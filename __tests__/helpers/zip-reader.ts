import { crc32, inflateRawSync } from 'node:zlib';

// A reader of ZIP archives (stored or deflated members) for the router tests on
// every Node and Express project, where Debian's unzip is not installed.
// The archives project checks the same layout with unzip, 7-Zip, bsdtar
// and Python; this one reads the central directory as they do and checks
// each member's CRC-32 against its bytes.

export interface ZipEntryRead {
  name: string;
  flags: number;
  method: number;
  crc32: number;
  bytes: Buffer;
}

function zip64Extra(extra: Buffer, wanted: number): bigint[] {
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === 1) return Array.from({ length: Math.min(wanted, length / 8) }, (_, i) => extra.readBigUInt64LE(at + 4 + i * 8));
    at += 4 + length;
  }
  return [];
}

/** The members of a ZIP (stored or deflated), each checked: local header agrees, CRC-32 matches. Throws on anything wrong. */
export function readZip(archive: Buffer): ZipEntryRead[] {
  const end = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('no end of central directory record');
  let count = archive.readUInt16LE(end + 10);
  let centralOffset = archive.readUInt32LE(end + 16);
  if (centralOffset === 0xffffffff || count === 0xffff) {
    const locator = end - 20;
    if (archive.readUInt32LE(locator) !== 0x07064b50) throw new Error('no ZIP64 locator');
    const record = Number(archive.readBigUInt64LE(locator + 8));
    if (archive.readUInt32LE(record) !== 0x06064b50) throw new Error('no ZIP64 end record');
    count = Number(archive.readBigUInt64LE(record + 32));
    centralOffset = Number(archive.readBigUInt64LE(record + 48));
  }
  const entries: ZipEntryRead[] = [];
  let at = centralOffset;
  for (let i = 0; i < count; i++) {
    if (archive.readUInt32LE(at) !== 0x02014b50) throw new Error(`central record ${i} missing at ${at}`);
    const flags = archive.readUInt16LE(at + 8);
    const method = archive.readUInt16LE(at + 10);
    const crc = archive.readUInt32LE(at + 16);
    let packed = archive.readUInt32LE(at + 20);
    let size = archive.readUInt32LE(at + 24);
    const nameLength = archive.readUInt16LE(at + 28);
    const extraLength = archive.readUInt16LE(at + 30);
    const commentLength = archive.readUInt16LE(at + 32);
    let offset = archive.readUInt32LE(at + 42);
    const name = archive.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const extra = archive.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength);
    const large = zip64Extra(extra, 3);
    let used = 0;
    if (size === 0xffffffff) { size = Number(large[used]); used += 1; }
    if (packed === 0xffffffff) { packed = Number(large[used]); used += 1; }
    if (offset === 0xffffffff) offset = Number(large[used]);
    if (method !== 0 && method !== 8) throw new Error(`${name}: method ${method}, neither stored nor deflated`);
    if (archive.readUInt32LE(offset) !== 0x04034b50) throw new Error(`${name}: no local header at ${offset}`);
    const localName = archive.subarray(offset + 30, offset + 30 + archive.readUInt16LE(offset + 26)).toString('utf8');
    if (localName !== name) throw new Error(`${name}: local header names ${localName}`);
    const dataAt = offset + 30 + archive.readUInt16LE(offset + 26) + archive.readUInt16LE(offset + 28);
    const data = archive.subarray(dataAt, dataAt + packed);
    const bytes = method === 8 ? inflateRawSync(data) : data;
    if (bytes.length !== size) throw new Error(`${name}: ${bytes.length} bytes, ${size} in the directory`);
    if (crc32(bytes) !== crc) throw new Error(`${name}: CRC-32 ${crc32(bytes).toString(16)} of its bytes, ${crc.toString(16)} in the directory`);
    entries.push({ name, flags, method, crc32: crc, bytes });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
