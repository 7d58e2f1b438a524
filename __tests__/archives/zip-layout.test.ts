import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { centralRecord, dataDescriptor, endRecords, layoutZip, localHeader, zipParts, type ZipLayout, type ZipMember } from '../../lib/archives/zip-layout';

// The ZIP layout checked by readers nobody here wrote: Info-ZIP's unzip,
// 7-Zip, libarchive's bsdtar and Python's zipfile, each verifying every
// CRC-32. Archives are written to real files (sparse where members are
// gigabytes of zeros).

const dir = mkdtempSync(join(tmpdir(), 'esd-zip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (command: string, args: string[]) => execFileSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
const WHEN = new Date(Date.UTC(2026, 11, 6, 14, 30, 44));

/** What a reader can have of a member: its bytes written in pieces (`at` offset, `length` bytes). */
interface Source {
  member: ZipMember;
  /** The member's bytes from `from` to `to` (exclusive), or 'zeros' where a sparse file leaves a hole. */
  read(from: number, to: number): Buffer | 'zeros';
  crc32: number;
}

const inMemory = (name: string, bytes: Buffer, crcKnown: boolean): Source => ({
  member: { name, size: bytes.length, crc32: crcKnown ? crc32(bytes) : undefined, modified: WHEN },
  read: (from, to) => bytes.subarray(from, to),
  crc32: crc32(bytes),
});

/** Every part of the range, as bytes (data from the sources). */
function bytesOf(layout: ZipLayout, sources: readonly Source[], start: number, end: number, write: (at: number, bytes: Buffer) => void): void {
  let at = start;
  const crcOf = (index: number) => sources[index]!.crc32;
  for (const part of zipParts(layout, start, end)) {
    const index = 'entry' in part ? part.entry.index : -1;
    let bytes: Buffer | 'zeros';
    switch (part.kind) {
      case 'header': bytes = localHeader(part.entry).subarray(part.from, part.to); break;
      case 'data': bytes = sources[index]!.read(part.from, part.to); break;
      case 'descriptor': bytes = dataDescriptor(part.entry, crcOf(index)).subarray(part.from, part.to); break;
      case 'central': bytes = centralRecord(part.entry, crcOf(index)).subarray(part.from, part.to); break;
      case 'end': bytes = endRecords(layout).subarray(part.from, part.to); break;
    }
    if (bytes !== 'zeros' && bytes.length > 0) write(at, bytes);
    at += part.to - part.from;
  }
  expect(at).toBe(end + 1);
}

function wholeArchive(sources: readonly Source[]): { layout: ZipLayout; bytes: Buffer } {
  const layout = layoutZip(sources.map((source) => source.member));
  const bytes = Buffer.alloc(layout.size);
  bytesOf(layout, sources, 0, layout.size - 1, (at, part) => part.copy(bytes, at));
  return { layout, bytes };
}

/** Python's zipfile: every member's CRC-32 checked (testzip), names in order. */
function pythonCheck(path: string): { bad: string | null; names: string[] } {
  const script = 'import json, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({"bad": z.testzip(), "names": z.namelist()}))';
  return JSON.parse(run('python3', ['-c', script, path])) as { bad: string | null; names: string[] };
}

describe('a small archive', () => {
  const sources = [
    inMemory('report.pdf', Buffer.from('%PDF-1.4 not really\n'.repeat(50)), true),
    inMemory('photos/été 2026/日本.jpg', Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256)), false),
    inMemory('empty.txt', Buffer.alloc(0), false),
    inMemory('emoji 🎉.txt', Buffer.from('party\n'), true),
  ];
  const { layout, bytes } = wholeArchive(sources);
  const path = join(dir, 'small.zip');
  writeFileSync(path, bytes);

  test('its length is known from the names and sizes alone', () => {
    expect(bytes.length).toBe(layout.size);
    expect(layout.entries.map((entry) => entry.descriptor)).toEqual([false, true, true, false]);
  });

  test('unzip -t, 7z t, bsdtar and Python zipfile accept it, with every CRC-32, name and byte', () => {
    expect(run('unzip', ['-t', path])).toMatch(/No errors detected in compressed data/);
    expect(run('7z', ['t', path])).toMatch(/Everything is Ok/);
    expect(pythonCheck(path)).toEqual({ bad: null, names: sources.map((source) => source.member.name) });
    expect(run('bsdtar', ['-tf', path]).trim().split('\n')).toEqual(sources.map((source) => source.member.name));
    const out = join(dir, 'out');
    mkdirSync(out);
    run('bsdtar', ['-xf', path, '-C', out]);
    for (const source of sources) expect(readFileSync(join(out, source.member.name)).equals(source.read(0, source.member.size) as Buffer)).toBe(true);
  });

  test('unzip shows the UTF-8 names and the modification time', () => {
    const listing = run('unzip', ['-l', path]);
    expect(listing).toContain('photos/été 2026/日本.jpg');
    expect(listing).toMatch(/2026-12-06 14:30   report\.pdf/);
  });

  test('every byte range of it is produced exactly, without building what comes before', () => {
    const edges = [...layout.entries.flatMap((entry) => [entry.headerOffset, entry.dataOffset, entry.dataEnd, entry.end, entry.centralOffset]), layout.endOffset, layout.size - 1];
    const starts = [...new Set(edges.flatMap((edge) => [edge - 1, edge, edge + 1]).filter((at) => at >= 0 && at < layout.size))];
    for (const start of starts) {
      for (const end of [start, start + 1, start + 17, start + 70_001, layout.size - 1].filter((at) => at < layout.size)) {
        const range = Buffer.alloc(end - start + 1);
        bytesOf(layout, sources, start, end, (at, part) => part.copy(range, at - start));
        expect(range.equals(bytes.subarray(start, end + 1))).toBe(true);
      }
    }
  });
});

test('70,000 entries: ZIP64 end records, and every reader counts them all', () => {
  const sources = Array.from({ length: 70_000 }, (_, i) => inMemory(`files/${String(i).padStart(5, '0')}.txt`, Buffer.from(`${i}\n`), i % 2 === 0));
  const { layout, bytes } = wholeArchive(sources);
  expect(layout.size - layout.endOffset).toBe(56 + 20 + 22);
  const path = join(dir, 'many.zip');
  writeFileSync(path, bytes);
  expect(run('unzip', ['-t', path])).toMatch(/No errors detected in compressed data of .*many\.zip/);
  expect(run('7z', ['t', path])).toMatch(/Files: 70000/);
  const python = pythonCheck(path);
  expect([python.bad, python.names.length, python.names[69_999]]).toEqual([null, 70_000, 'files/69999.txt']);
  expect(run('bsdtar', ['-tf', path]).trim().split('\n')).toHaveLength(70_000);
});

test('past 4 GiB: a member of 4 GiB + 1 MiB and members after it at offsets past 4 GiB (ZIP64 sizes and offsets)', () => {
  const zeros = Buffer.alloc(64 * 1024 * 1024);
  const bigSize = 4 * 1024 ** 3 + 1024 ** 2;
  let bigCrc = 0;
  for (let done = 0; done < bigSize; done += zeros.length) bigCrc = crc32(zeros.subarray(0, Math.min(zeros.length, bigSize - done)), bigCrc);
  const big: Source = { member: { name: 'video.bin', size: bigSize, crc32: undefined, modified: WHEN }, read: () => 'zeros', crc32: bigCrc };
  const sources = [big, inMemory('after-known.txt', Buffer.from('known crc\n'), true), inMemory('after-unknown.txt', Buffer.from('learnt crc\n'), false)];
  const layout = layoutZip(sources.map((source) => source.member));
  expect(layout.entries[1]!.headerOffset).toBeGreaterThan(2 ** 32);
  // A sparse file: the big member's zeros are a hole, every other part is written where it lies.
  const path = join(dir, 'large.zip');
  const fd = openSync(path, 'w');
  try {
    bytesOf(layout, sources, 0, layout.size - 1, (at, part) => writeSync(fd, part, 0, part.length, at));
  } finally {
    closeSync(fd);
  }
  expect(run('unzip', ['-t', path])).toMatch(/No errors detected/);
  expect(run('7z', ['t', path])).toMatch(/Everything is Ok/);
  expect(pythonCheck(path)).toEqual({ bad: null, names: ['video.bin', 'after-known.txt', 'after-unknown.txt'] });
  expect(run('bsdtar', ['-xOf', path, 'after-unknown.txt'])).toBe('learnt crc\n');
  expect(run('unzip', ['-l', path])).toContain(String(bigSize));
});
