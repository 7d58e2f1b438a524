import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { ArchiveReader, type ArchivePlan } from '../../lib/archives/archive-body';
import { memoryCrcs, type CrcMemory } from '../../lib/archives/crc-memory';
import { layoutZip } from '../../lib/archives/zip-layout';
import { fsStorage, isDownloadError, type OpenOptions, type StorageAdapter } from '../../lib';

// Streaming an archive's bytes from real files: whole, and any range of it,
// with CRC-32s given, learnt on an earlier pass, or not known at all (then
// read before the range, never guessed). Checked by unzip and byte for byte.

const root = mkdtempSync(join(tmpdir(), 'esd-archive-body-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const files: [string, Buffer][] = [
  ['a.bin', Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256))],
  ['b.txt', Buffer.from('second member\n')],
  ['c.bin', Buffer.from(Array.from({ length: 1_000_000 }, (_, i) => (i * 13) % 251))],
  ['empty', Buffer.alloc(0)],
];
for (const [key, bytes] of files) writeFileSync(join(root, key), bytes);
const WHEN = new Date(Date.UTC(2026, 0, 2, 3, 4, 6));

/** fsStorage, counting the member bytes read (with or without being sent). */
function countingStorage(): { storage: StorageAdapter; bytesRead: () => number } {
  const inner = fsStorage({ root, openFileCache: false });
  let read = 0;
  return {
    bytesRead: () => read,
    storage: {
      open: async (key: string, options: OpenOptions) => {
        const object = await inner.open(key, options);
        if (object?.readAt === undefined) return object;
        const readAt = object.readAt;
        return { ...object, readAt: (buffer, offset, length, position, done) => readAt(buffer, offset, length, position, (error, bytes) => { read += bytes; done(error, bytes); }) };
      },
    },
  };
}

// No open-file cache: a file rewritten by a test is seen at once.
const uncached = fsStorage({ root, openFileCache: false });

function plan(crcsGiven: boolean[], crcs: CrcMemory = memoryCrcs(), storage: StorageAdapter = uncached): ArchivePlan {
  const layout = layoutZip(files.map(([key, bytes], i) => ({ name: `folder/${key}`, size: bytes.length, crc32: crcsGiven[i] ? crc32(bytes) : undefined, modified: WHEN })));
  return { layout, sources: files.map(([key]) => ({ storage, key, crcKey: `${key}|v1` })), crcs };
}

/** Reads the inclusive range as a transfer would: prepared, then positional reads in order, each chunk handed to `sink`. */
async function streamArchive(archive: ArchivePlan, range: { start: number; end: number }, sink: (chunk: Buffer) => Promise<void>): Promise<void> {
  const reader = new ArchiveReader(archive);
  try {
    await reader.prepare(range);
    const buffer = Buffer.alloc(64 * 1024);
    for (let position = range.start; position <= range.end; ) {
      const read = await reader.read(buffer, 0, Math.min(buffer.length, range.end - position + 1), position);
      await sink(Buffer.from(buffer.subarray(0, read)));
      position += read;
    }
  } finally {
    reader.close();
  }
}

async function bytesOf(archive: ArchivePlan, start: number, end: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await streamArchive(archive, { start, end }, async (chunk) => { chunks.push(Buffer.from(chunk)); });
  return Buffer.concat(chunks);
}

const NONE = [false, false, false, false];

test('the whole archive streams to exactly its length, and unzip finds every CRC-32 right', async () => {
  const archive = plan([true, false, true, false]);
  const whole = await bytesOf(archive, 0, archive.layout.size - 1);
  expect(whole.length).toBe(archive.layout.size);
  const path = join(root, 'whole.zip');
  writeFileSync(path, whole);
  expect(execFileSync('unzip', ['-t', path], { encoding: 'utf8' })).toMatch(/No errors detected/);
  expect(execFileSync('unzip', ['-p', path, 'folder/c.bin']).equals(files[2]![1])).toBe(true);
});

test('with no CRC-32 known, every range is exact: what a range needs is read before it, not guessed', async () => {
  const { layout } = plan(NONE);
  const whole = await bytesOf(plan(NONE), 0, layout.size - 1);
  const edges = layout.entries.flatMap((entry) => [entry.headerOffset, entry.dataOffset + 1, entry.dataEnd - 1, entry.dataEnd, entry.end, entry.centralOffset + 3]);
  for (const start of edges.filter((at) => at >= 0 && at < layout.size)) {
    for (const end of [start + 5, start + 150_000, layout.size - 1].filter((at) => at < layout.size)) {
      // A fresh memory each time: nothing learnt.
      expect((await bytesOf(plan(NONE), start, end)).equals(whole.subarray(start, end + 1))).toBe(true);
    }
  }
});

test('a first full pass teaches every CRC-32: a resume after it reads only what it sends', async () => {
  const crcs = memoryCrcs();
  const first = countingStorage();
  const archive = plan(NONE, crcs, first.storage);
  const whole = await bytesOf(archive, 0, archive.layout.size - 1);
  const total = files.reduce((sum, [, bytes]) => sum + bytes.length, 0);
  expect(first.bytesRead()).toBe(total);
  // A resume from the middle of c.bin: nothing before it is read again.
  const start = archive.layout.entries[2]!.dataOffset + 400_000;
  const resumed = countingStorage();
  expect((await bytesOf(plan(NONE, crcs, resumed.storage), start, archive.layout.size - 1)).equals(whole.subarray(start))).toBe(true);
  expect(resumed.bytesRead()).toBe(1_000_000 - 400_000);
  // Without what the first pass learnt, the same resume reads every member before it too (the central
  // directory holds every CRC-32, c.bin's descriptor its own), and sends none of those bytes.
  const unlearnt = countingStorage();
  expect((await bytesOf(plan(NONE, memoryCrcs(), unlearnt.storage), start, archive.layout.size - 1)).equals(whole.subarray(start))).toBe(true);
  expect(unlearnt.bytesRead()).toBe(total);
});

test('a member that changed since the link was issued fails the archive with 412, before its bytes', async () => {
  const archive = plan(NONE);
  writeFileSync(join(root, 'b.txt'), 'second member, longer now\n');
  try {
    const sent: Buffer[] = [];
    const failure = await streamArchive(archive, { start: 0, end: archive.layout.size - 1 }, async (chunk: Buffer) => { sent.push(chunk); }).then(() => undefined, (error: unknown) => error);
    expect(isDownloadError(failure) && [failure.code, failure.status]).toEqual(['PRECONDITION_FAILED', 412]);
    // What went out is a prefix ending before b.txt's bytes (a read that reaches them fails whole).
    const length = Buffer.concat(sent).length;
    expect(length).toBeGreaterThan(0);
    expect(length).toBeLessThanOrEqual(archive.layout.entries[1]!.dataOffset);
  } finally {
    writeFileSync(join(root, 'b.txt'), files[1]![1]);
  }
});

test('a member gone from storage fails the archive with FILE_NOT_FOUND', async () => {
  const archive = plan(NONE);
  const gone = { ...archive, sources: archive.sources.map((source, i) => (i === 2 ? { ...source, key: 'missing.bin' } : source)) };
  const failure = await streamArchive(gone, { start: 0, end: archive.layout.size - 1 }, async () => undefined).then(() => undefined, (error: unknown) => error);
  expect(isDownloadError(failure) && failure.code).toBe('FILE_NOT_FOUND');
});
