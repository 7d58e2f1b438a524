import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import express from 'express';
import request from 'supertest';
import { createDownloads, createSigner, fsStorage, type FileRecord, type IssuedArchiveBody, type StorageAdapter } from '../../lib';
import { binary } from '../helpers/app';

// Archive links over real HTTP, through issueArchiveUrl and
// serveSignedArchive: exact length, ETag, HEAD, Range and If-Range; resumed
// by curl -C - and fetched in 8 segments by aria2c, compared byte for byte;
// unpacked by unzip, 7-Zip, bsdtar and Python's zipfile. No record gives a
// CRC-32: they are learnt on the first pass.

const root = mkdtempSync(join(tmpdir(), 'esd-archive-http-'));
const out = mkdtempSync(join(tmpdir(), 'esd-archive-out-'));
const files: [string, Buffer][] = [
  ['video.bin', Buffer.from(Array.from({ length: 3_000_000 }, (_, i) => (i * 7 + (i >> 12)) % 256))],
  ['notes.txt', Buffer.from('notes\n'.repeat(100))],
  ['photo.bin', Buffer.from(Array.from({ length: 2_000_000 }, (_, i) => (i * 11) % 253))],
];
for (const [key, bytes] of files) writeFileSync(join(root, key), bytes);

const files_ = fsStorage({ root });
/** The members' storage; while `held`, reads of video.bin past its first megabyte wait (a transfer cut mid-way, on cue). */
let held: (() => void)[] | undefined;
const members: StorageAdapter = {
  ...files_,
  open: async (key, options) => {
    const object = await files_.open(key, options);
    const readAt = object?.readAt;
    if (object === null || readAt === undefined || key !== 'video.bin') return object;
    return {
      ...object,
      readAt: (buffer, offset, length, position, done) => {
        if (held !== undefined && position >= 1_000_000) held.push(() => readAt(buffer, offset, length, position, done));
        else readAt(buffer, offset, length, position, done);
      },
    };
  },
};
const records: Record<string, FileRecord> = Object.fromEntries(files.map(([key]) => [key, { id: key, key, filename: `Export/${key}` }]));
const downloads = createDownloads({
  storage: members, signer: createSigner({ secret: 'archive-http-secret-of-32-bytes-or-more' }),
  findFile: (id) => records[id] ?? null, authorize: () => true,
});
const app = express();
app.use('/files', downloads.serveSignedArchive(), express.json(), downloads.issueArchiveUrl());
app.use('/deflated', downloads.serveSignedArchive(), express.json(), downloads.issueArchiveUrl({ compression: 'deflate' }));
let server: Server;
let url: string;
let path: string;
let size: number;
let ETAG: string;
let whole: Buffer;

beforeAll(async () => {
  server = await new Promise<Server>((done) => { const s = app.listen(0, '127.0.0.1', () => done(s)); });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issued = await request(base).post('/files/archive-url').send({ file_ids: files.map(([key]) => key), filename: 'Export 2026' });
  expect(issued.status).toBe(200);
  ({ download_url: url, size } = issued.body as IssuedArchiveBody & { size: number });
  path = new URL(url).pathname + new URL(url).search;
  const res = await request(app).get(path).buffer(true).parse(binary);
  whole = res.body as Buffer;
  ETAG = res.headers.etag as string;
});
afterAll(async () => {
  await new Promise((done) => server.close(done));
  rmSync(root, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

/** Python's zipfile: every member's CRC-32 checked (testzip), names in order. */
function pythonCheck(archive: string): { bad: string | null; names: string[] } {
  const script = 'import json, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({"bad": z.testzip(), "names": z.namelist()}))';
  return JSON.parse(execFileSync('python3', ['-c', script, archive], { encoding: 'utf8' })) as { bad: string | null; names: string[] };
}

test('a whole GET: 200, the exact length up front, a zip attachment that unzip, 7-Zip, bsdtar and Python accept', async () => {
  const res = await request(app).get(path).buffer(true).parse(binary);
  expect([res.status, res.headers['content-type'], res.headers['content-length'], res.headers.etag, res.headers['accept-ranges']])
    .toEqual([200, 'application/zip', String(size), ETAG, 'bytes']);
  expect(res.headers['content-disposition']).toBe('attachment; filename="Export 2026.zip"');
  expect((res.body as Buffer).equals(whole)).toBe(true);
  const archive = join(out, 'whole.zip');
  writeFileSync(archive, whole);
  const names = files.map(([key]) => `Export/${key}`);
  expect(execFileSync('unzip', ['-t', archive], { encoding: 'utf8' })).toMatch(/No errors detected/);
  expect(execFileSync('7z', ['t', archive], { encoding: 'utf8' })).toMatch(/Everything is Ok/);
  expect(pythonCheck(archive)).toEqual({ bad: null, names });
  expect(execFileSync('bsdtar', ['-tf', archive], { encoding: 'utf8' }).trim().split('\n')).toEqual(names);
  const unpacked = join(out, 'unpacked');
  mkdirSync(unpacked);
  execFileSync('bsdtar', ['-xf', archive, '-C', unpacked]);
  for (const [key, bytes] of files) expect(readFileSync(join(unpacked, 'Export', key)).equals(bytes)).toBe(true);
});

test('HEAD, Range, If-Range and If-None-Match answer as for a file', async () => {
  const head = await request(app).head(path);
  expect([head.status, head.headers['content-length'], head.headers.etag]).toEqual([200, String(size), ETAG]);
  const part = await request(app).get(path).set('Range', 'bytes=2999990-3000200').buffer(true).parse(binary);
  expect([part.status, part.headers['content-range']]).toEqual([206, `bytes 2999990-3000200/${size}`]);
  expect((part.body as Buffer).equals(whole.subarray(2_999_990, 3_000_201))).toBe(true);
  const stillSame = await request(app).get(path).set({ Range: 'bytes=100-199', 'If-Range': ETAG }).buffer(true).parse(binary);
  expect([stillSame.status, (stillSame.body as Buffer).equals(whole.subarray(100, 200))]).toEqual([206, true]);
  const changed = await request(app).get(path).set({ Range: 'bytes=100-199', 'If-Range': '"z-another"' }).buffer(true).parse(binary);
  expect([changed.status, (changed.body as Buffer).length]).toEqual([200, size]);
  const cached = await request(app).get(path).set('If-None-Match', ETAG);
  expect(cached.status).toBe(304);
  const beyond = await request(app).get(path).set('Range', `bytes=${size}-`);
  expect([beyond.status, beyond.headers['content-range']]).toEqual([416, `bytes */${size}`]);
});

test('curl -C - resumes a download cut at any point, byte for byte', async () => {
  // Cut in the first member's data, just past the second's, in the central directory, and 5 bytes short.
  for (const cut of [1, 1_234_600, 3_000_700, size - 200, size - 5]) {
    const file = join(out, `resumed-${cut}.zip`);
    writeFileSync(file, whole.subarray(0, cut));
    await promisify(execFile)('curl', ['-sS', '--fail', '-C', '-', '-o', file, url]);
    expect(readFileSync(file).equals(whole)).toBe(true);
  }
});

test('a download killed mid-way and resumed by curl -C - is whole, and unzip -t accepts it', async () => {
  const path = join(out, 'killed.zip');
  // The server stops sending past video.bin's first megabyte; curl is killed once it has what was sent.
  held = [];
  const curl = execFile('curl', ['-sS', '-o', path, url]);
  const exited = new Promise((done) => curl.once('exit', done));
  for (;;) {
    let size = 0;
    try { size = readFileSync(path).length; } catch { /* not created yet */ }
    if (size > 500_000) break;
    await new Promise((done) => setTimeout(done, 20));
  }
  curl.kill('SIGKILL');
  await exited;
  const waiting = held;
  held = undefined;
  for (const read of waiting) read();
  const kept = readFileSync(path).length;
  expect(kept).toBeLessThan(size);
  expect(whole.subarray(0, kept).equals(readFileSync(path))).toBe(true);
  await promisify(execFile)('curl', ['-sS', '--fail', '-C', '-', '-o', path, url]);
  expect(readFileSync(path).equals(whole)).toBe(true);
  expect(execFileSync('unzip', ['-t', path], { encoding: 'utf8' })).toMatch(/No errors detected/);
});

test('aria2c in 8 segments (8 ranges at once) assembles the same bytes', async () => {
  await promisify(execFile)('aria2c', ['-q', '-x', '8', '-s', '8', '-k', '1M', '--allow-overwrite=true', '-d', out, '-o', 'segmented.zip', url]);
  expect(readFileSync(join(out, 'segmented.zip')).equals(whole)).toBe(true);
});

test('a range truncated off a member file on disk resets the connection: never a short body', async () => {
  // photo.bin loses its last byte after the link: the archive cannot be made, and a client sees a failure.
  truncateSync(join(root, 'photo.bin'), 1_999_999);
  try {
    const failed = await promisify(execFile)('curl', ['-sS', '--fail', '-o', join(out, 'broken.zip'), url]).then(() => 'complete', (error: { code?: number }) => `curl exit ${error.code}`);
    expect(failed).toMatch(/^curl exit (18|22|52|56)$/);
  } finally {
    writeFileSync(join(root, 'photo.bin'), files[2]![1]);
  }
});

test("compression: 'deflate': unzip, 7-Zip, bsdtar and Python accept it, every CRC-32 and byte right", async () => {
  const issued = await request(app).post('/deflated/archive-url').send({ file_ids: files.map(([key]) => key) });
  const link = new URL((issued.body as IssuedArchiveBody).download_url);
  const res = await request(app).get(link.pathname + link.search).buffer(true).parse(binary);
  expect([res.status, res.headers['transfer-encoding']]).toEqual([200, 'chunked']);
  const archive = join(out, 'deflated.zip');
  writeFileSync(archive, res.body as Buffer);
  const names = files.map(([key]) => `Export/${key}`);
  expect(execFileSync('unzip', ['-t', archive], { encoding: 'utf8' })).toMatch(/No errors detected/);
  expect(execFileSync('7z', ['t', archive], { encoding: 'utf8' })).toMatch(/Everything is Ok/);
  expect(pythonCheck(archive)).toEqual({ bad: null, names });
  const unpacked = join(out, 'deflated');
  mkdirSync(unpacked);
  execFileSync('bsdtar', ['-xf', archive, '-C', unpacked]);
  for (const [key, bytes] of files) expect(readFileSync(join(unpacked, 'Export', key)).equals(bytes)).toBe(true);
  expect((res.body as Buffer).length).toBeLessThan(size);
});
