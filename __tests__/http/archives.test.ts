// Issue 19: archive links over real HTTP, on both Express majors.
import { get as httpGet, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import express from 'express';
import request from 'supertest';
import {
  createDownloads, createSigner, fsStorage, memoryArchiveStore, memoryStorage, memoryUseStore, type ArchiveStore, type DownloadEvent, type FileRecord, type IssuedArchiveBody, type StorageAdapter,
} from '../../lib';
import { binary, pattern, SECRET, tempFiles } from '../helpers/app';
import { readZip } from '../helpers/zip-reader';

interface Doc extends FileRecord { ownerId: string }

const BIG = pattern(300_000);
const CONTENT: Record<string, string | Buffer> = { 'a.txt': 'alpha\n', 'big.bin': BIG, 'c.txt': 'charlie\n', 'd.txt': 'delta\n', 'x.txt': 'xray\n' };
function world() {
  const storage = memoryStorage();
  for (const [key, bytes] of Object.entries(CONTENT)) storage.put(key, bytes);
  const docs: Record<string, Doc> = {
    a: { id: 'a', key: 'a.txt', filename: 'Report.txt', tenant: 'acme', ownerId: 'u1' },
    big: { id: 'big', key: 'big.bin', filename: 'video.bin', tenant: 'acme', ownerId: 'u1' },
    c: { id: 'c', key: 'c.txt', filename: 'report.TXT', tenant: 'acme', ownerId: 'u1' },
    evil: { id: 'evil', key: 'd.txt', filename: '../../etc/\u0007passwd', tenant: 'acme', ownerId: 'u1' },
    abs: { id: 'abs', key: 'x.txt', filename: '/C:/Windows/con.txt', tenant: 'acme', ownerId: 'u1' },
    theirs: { id: 'theirs', key: 'a.txt', tenant: 'acme', ownerId: 'u2' },
    other: { id: 'other', key: 'a.txt', tenant: 'globex', ownerId: 'u1' },
    locked: { id: 'locked', key: 'a.txt', tenant: 'acme', ownerId: 'u1', locked: true },
    gone: { id: 'gone', key: 'nothing-here.txt', tenant: 'acme', ownerId: 'u1' },
  };
  return { storage, docs };
}

function host(options: { crcs?: boolean; archiveStore?: ArchiveStore; maxFiles?: number; maxBytes?: number; maxUses?: number; events?: DownloadEvent[]; compression?: 'store' | 'deflate' } = {}) {
  const { storage, docs } = world();
  const events = options.events ?? [];
  const downloads = createDownloads({
    storage,
    signer: createSigner({ secret: SECRET }),
    findFile: (id) => {
      const doc = Object.hasOwn(docs, id) ? docs[id]! : null;
      if (doc === null || options.crcs !== true) return doc;
      const bytes = CONTENT[doc.key!];
      return bytes === undefined ? doc : { ...doc, crc32: crc32(bytes) };
    },
    authenticate: (req) => (req.get('x-user') === undefined ? null : { id: req.get('x-user')! }),
    tenant: (req) => req.params.orgId,
    authorize: (_req, file, user) => file.ownerId === user.id,
    onEvent: (event) => { events.push(event as DownloadEvent); },
    ...(options.archiveStore === undefined ? {} : { archiveStore: options.archiveStore }),
    ...(options.maxUses === undefined ? {} : { useStore: memoryUseStore() }),
  });
  const app = express();
  app.use('/orgs/:orgId/files', downloads.serveSignedArchive(), downloads.serveSignedDownload());
  app.use('/orgs/:orgId/files', express.json(), downloads.issueArchiveUrl({
    ...(options.maxFiles === undefined ? {} : { maxFiles: options.maxFiles }),
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
    ...(options.maxUses === undefined ? {} : { maxUses: options.maxUses }),
    ...(options.compression === undefined ? {} : { compression: options.compression }),
  }), downloads.issueDownloadUrl());
  return { app, storage, docs, events, downloads };
}

const issue = (app: express.Express, body: unknown, user = 'u1', org = 'acme') =>
  request(app).post(`/orgs/${org}/files/archive-url`).set('X-User', user).send(body as object);
const pathOf = (url: string) => { const parsed = new URL(url); return parsed.pathname + parsed.search; };
const fetchBytes = (app: express.Express, path: string, headers: Record<string, string> = {}) =>
  request(app).get(path).set(headers).buffer(true).parse(binary);

async function issued(app: express.Express, ids: string[], filename?: string): Promise<IssuedArchiveBody & { path: string; size: number }> {
  const res = await issue(app, filename === undefined ? { file_ids: ids } : { file_ids: ids, filename });
  expect(res.status).toBe(200);
  return { ...(res.body as IssuedArchiveBody & { size: number }), path: pathOf((res.body as IssuedArchiveBody).download_url) };
}

describe('issueArchiveUrl', () => {
  test('one link for many files: the archive\'s exact size, its name and its members in order', async () => {
    const { app, events } = host();
    const res = await issue(app, { file_ids: ['a', 'big', 'a'], filename: 'Q3 export' });
    expect([res.status, res.headers['cache-control']]).toEqual([200, 'no-store']);
    const body = res.body as IssuedArchiveBody;
    expect(Object.keys(body).sort()).toEqual(['download_url', 'expires', 'expires_at', 'expires_in', 'filename', 'files', 'size', 'token']);
    expect(body.filename).toBe('Q3 export.zip');
    expect(body.files).toEqual([{ file_id: 'a', name: 'Report.txt', size: 6 }, { file_id: 'big', name: 'video.bin', size: BIG.length }]);
    expect(body.download_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/orgs\/acme\/files\/archives\/content\?token=[^&]+&expires=\d+$/);
    expect(body.expires_in).toBe(3600);
    const archive = await fetchBytes(app, pathOf(body.download_url));
    expect(archive.status).toBe(200);
    expect(Number(archive.headers['content-length'])).toBe(body.size);
    const issuedEvent = events.find((event) => event.type === 'issued');
    expect(issuedEvent).toMatchObject({ type: 'issued', mode: 'signed', fileId: undefined, tenant: 'acme', members: [{ fileId: 'a', name: 'Report.txt', size: 6 }, { fileId: 'big', name: 'video.bin', size: BIG.length }] });
  });

  test('names are made safe for whoever unpacks them, and made unique without regard to case', async () => {
    const { app } = host();
    const body = await issued(app, ['evil', 'abs', 'a', 'c']);
    expect(body.files.map((file) => file.name)).toEqual(['etc/passwd', 'C_/Windows/_con.txt', 'Report.txt', 'report (2).TXT']);
    const entries = readZip((await fetchBytes(app, body.path)).body as Buffer);
    expect(entries.map((entry) => [entry.name, entry.bytes.toString()])).toEqual([
      ['etc/passwd', 'delta\n'], ['C_/Windows/_con.txt', 'xray\n'], ['Report.txt', 'alpha\n'], ['report (2).TXT', 'charlie\n'],
    ]);
  });

  test.each([
    ['not an array', { file_ids: 'a' }, 422, 'VALIDATION_ERROR', { reason: 'not_an_array' }],
    ['empty', { file_ids: [] }, 422, 'VALIDATION_ERROR', { reason: 'empty' }],
    ['a filename that is not a string', { file_ids: ['a'], filename: 7 }, 422, 'VALIDATION_ERROR', { parameter: 'filename', reason: 'not_a_string' }],
    ['a file of another owner', { file_ids: ['a', 'theirs'] }, 403, 'ACCESS_DENIED', { file_id: 'theirs' }],
    ['a file of another tenant', { file_ids: ['other', 'a'] }, 404, 'FILE_NOT_FOUND', { file_id: 'other' }],
    ['a missing file', { file_ids: ['a', 'missing'] }, 404, 'FILE_NOT_FOUND', { file_id: 'missing' }],
    ['a locked file', { file_ids: ['locked'] }, 423, 'FILE_LOCKED', { file_id: 'locked' }],
    ['a file the storage does not have', { file_ids: ['a', 'gone'] }, 404, 'FILE_NOT_FOUND', { file_id: 'gone' }],
    ['an id that is not a string', { file_ids: ['a', { id: 'a' }] }, 422, 'VALIDATION_ERROR', { reason: 'not_a_string' }],
  ])('%s: the whole archive is refused, naming why', async (_name, body, status, code, details) => {
    const { app } = host();
    const res = await issue(app, body);
    expect([res.status, res.body.error.code]).toEqual([status, code]);
    expect(res.body.error.details).toMatchObject(details);
  });

  test('no caller, no archive: 401 before any body is read', async () => {
    const { app } = host();
    const res = await request(app).post('/orgs/acme/files/archive-url').send({ file_ids: ['a'] });
    expect([res.status, res.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  test('limits: more files than maxFiles, or more bytes than maxBytes, is 422 with the limit', async () => {
    const few = host({ maxFiles: 2 });
    const many = await issue(few.app, { file_ids: ['a', 'c', 'big'] });
    expect([many.status, many.body.error.details]).toEqual([422, { parameter: 'file_ids', in: 'body', reason: 'too_many', max: 2 }]);
    const small = host({ maxBytes: 100_000 });
    const large = await issue(small.app, { file_ids: ['a', 'big'] });
    expect([large.status, large.body.error.details.reason, large.body.error.details.max]).toEqual([422, 'too_large', 100_000]);
    expect(large.body.error.details.size).toBeGreaterThan(BIG.length);
    expect((await issue(small.app, { file_ids: ['a', 'c'] })).status).toBe(200);
  });

  test('start-up: limits out of range and a store without its methods throw with the fix', () => {
    const { downloads } = host();
    expect(() => downloads.issueArchiveUrl({ maxFiles: 0 })).toThrow(/maxFiles/);
    expect(() => downloads.issueArchiveUrl({ maxFiles: 100_001 })).toThrow(/maxFiles/);
    expect(() => downloads.issueArchiveUrl({ maxBytes: -1 })).toThrow(/maxBytes/);
    expect(() => createDownloads({ storage: memoryStorage(), findFile: () => null, archiveStore: {} as ArchiveStore })).toThrow(/archiveStore.*memoryArchiveStore/);
  });
});

describe('serveSignedArchive', () => {
  test('a stored ZIP with its exact length, ETag, name and no-referrer; HEAD says the same without a body', async () => {
    const { app, events } = host();
    const body = await issued(app, ['a', 'big', 'c'], 'export.zip');
    const res = await fetchBytes(app, body.path);
    expect([res.status, res.headers['content-type'], res.headers['content-length'], res.headers['accept-ranges']]).toEqual([200, 'application/zip', String(body.size), 'bytes']);
    expect(res.headers['content-disposition']).toBe('attachment; filename=export.zip');
    expect(res.headers.etag).toMatch(/^"z-[A-Za-z0-9_-]{43}"$/);
    expect(res.headers['cache-control']).toMatch(/^private, max-age=(3599|3600)$/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const entries = readZip(res.body as Buffer);
    expect(entries.map((entry) => entry.name)).toEqual(['Report.txt', 'video.bin', 'report (2).TXT']);
    expect(entries[1]!.bytes.equals(BIG)).toBe(true);
    // UTF-8 names flagged, a data descriptor for CRC-32s learnt while streaming.
    expect(entries.every((entry) => (entry.flags & 0x0808) === 0x0808)).toBe(true);
    const head = await request(app).head(body.path);
    expect([head.status, head.headers['content-length'], head.headers.etag]).toEqual([200, String(body.size), res.headers.etag]);
    const served = events.filter((event) => event.type === 'served');
    expect(served.map((event) => event.type === 'served' && [event.status, event.bytes, event.members?.map((m) => m.fileId)])).toEqual([
      [200, body.size, ['a', 'big', 'c']], [200, 0, ['a', 'big', 'c']],
    ]);
  });

  test.each([
    ['CRC-32s the records give: from the first request', { crcs: true }, false],
    ['CRC-32s learnt on a first full pass', {}, true],
    ['CRC-32s nobody knows yet: worked out before the headers', {}, false],
  ])('Range and If-Range, %s', async (_name, options, firstPass) => {
    const { app } = host(options);
    const body = await issued(app, ['a', 'big', 'c']);
    const whole = (await fetchBytes(app, body.path)).body as Buffer;
    const { app: fresh } = firstPass ? { app } : host({ ...options, archiveStore: undefined });
    // A fresh host has no manifest: issue the same members there (the same archive, byte for byte).
    const path = firstPass ? body.path : (await issued(fresh, ['a', 'big', 'c'])).path;
    const head = await request(fresh).head(path);
    for (const [start, end] of [[0, 99], [150, 200_000], [200_000, body.size - 1], [body.size - 50, body.size - 1]] as const) {
      const part = await fetchBytes(fresh, path, { Range: `bytes=${start}-${end}`, 'If-Range': head.headers.etag as string });
      expect([part.status, part.headers['content-range']]).toEqual([206, `bytes ${start}-${end}/${body.size}`]);
      expect((part.body as Buffer).equals(whole.subarray(start, end + 1))).toBe(true);
    }
    const stale = await fetchBytes(fresh, path, { Range: 'bytes=100-', 'If-Range': '"z-not-this-one"' });
    expect([stale.status, (stale.body as Buffer).length]).toEqual([200, body.size]);
    const unsatisfiable = await fetchBytes(fresh, path, { Range: `bytes=${body.size}-` });
    expect([unsatisfiable.status, unsatisfiable.headers['content-range']]).toEqual([416, `bytes */${body.size}`]);
    const notModified = await fetchBytes(fresh, path, { 'If-None-Match': head.headers.etag as string });
    expect(notModified.status).toBe(304);
  });

  test('CRC-32s given by the records go in the local headers: no data descriptors', async () => {
    const { app } = host({ crcs: true });
    const body = await issued(app, ['a', 'big']);
    const entries = readZip((await fetchBytes(app, body.path)).body as Buffer);
    expect(entries.map((entry) => entry.flags & 0x0008)).toEqual([0, 0]);
  });

  test('a member changed since the link was issued: 412 on a resume, never a corrupt archive', async () => {
    const { app, storage, docs } = host();
    const body = await issued(app, ['a', 'big', 'c']);
    // The same size, other bytes: the store's ETag changes.
    storage.put('big.bin', Buffer.alloc(BIG.length, 7));
    const resumed = await fetchBytes(app, body.path, { Range: 'bytes=1000-' });
    expect([resumed.status, resumed.body.length > 0 && JSON.parse(resumed.body.toString()).error.code]).toEqual([412, 'PRECONDITION_FAILED']);
    // A record that now states another version (or name) is refused before any byte is read.
    const again = await issued(app, ['a', 'c']);
    docs.c = { ...docs.c!, filename: 'renamed.txt' };
    expect((await fetchBytes(app, again.path)).status).toBe(412);
    docs.c = { ...docs.c!, filename: 'report.TXT', etag: '"v2"', size: 8 };
    expect((await fetchBytes(app, again.path)).status).toBe(412);
  });

  test('a member deleted or revoked after issuing: 404 or 401, as a single file would be', async () => {
    const { app, docs } = host();
    const body = await issued(app, ['a', 'c']);
    docs.c = { ...docs.c!, linksValidAfter: new Date(Date.now() + 60_000) };
    expect((await fetchBytes(app, body.path)).status).toBe(401);
    delete docs.c;
    const gone = await fetchBytes(app, body.path);
    expect([gone.status, JSON.parse(gone.body.toString()).error.code]).toEqual([404, 'FILE_NOT_FOUND']);
  });

  test('a member whose bytes vanish mid-archive: the connection is cut, never a short "complete" archive', async () => {
    const { app, storage } = host();
    const body = await issued(app, ['a', 'big', 'c']);
    storage.delete('c.txt');
    const server = await new Promise<Server>((done) => { const s = app.listen(0, '127.0.0.1', () => done(s)); });
    try {
      const port = (server.address() as AddressInfo).port;
      const outcome = await new Promise<{ status: number; length: string | undefined; received: number; complete: boolean }>((done) => {
        httpGet({ host: '127.0.0.1', port, path: body.path }, (res: IncomingMessage) => {
          let received = 0;
          res.on('data', (chunk: Buffer) => { received += chunk.length; });
          res.on('close', () => done({ status: res.statusCode!, length: res.headers['content-length'], received, complete: res.complete }));
          res.on('error', () => undefined);
        });
      });
      expect(outcome.status).toBe(200);
      expect(outcome.length).toBe(String(body.size));
      expect(outcome.complete).toBe(false);
      expect(outcome.received).toBeLessThan(body.size);
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  test('binding: a file link cannot open an archive, an archive link no file, another tenant nothing', async () => {
    const { app } = host();
    const body = await issued(app, ['a']);
    const fileLink = await request(app).get('/orgs/acme/files/a/download-url').set('X-User', 'u1');
    const asArchive = new URL(fileLink.body.download_url as string);
    expect((await request(app).get(`/orgs/acme/files/archives/content${asArchive.search}`)).status).toBe(401);
    const archiveUrl = new URL(body.download_url);
    // A genuine archive token at a file's route is passed on (no router here serves it: Express's 404); never the file.
    const asFile = await request(app).get(`/orgs/acme/files/a/content${archiveUrl.search}`);
    expect([asFile.status, asFile.text.includes('alpha')]).toEqual([404, false]);
    expect((await request(app).get(`/orgs/globex/files/archives/content${archiveUrl.search}`)).status).toBe(401);
    const later = new URLSearchParams(archiveUrl.search);
    later.set('expires', String(Number(later.get('expires')) + 60));
    expect((await request(app).get(`/orgs/acme/files/archives/content?${later.toString()}`)).status).toBe(401);
    expect((await request(app).get('/orgs/acme/files/archives/content')).status).toBe(401);
  });

  test('a link whose manifest is gone (another instance\'s memory, a restart) is 404 with the fix in its cause', async () => {
    const events: DownloadEvent[] = [];
    const first = host();
    const body = await issued(first.app, ['a']);
    const second = host({ events });
    const res = await request(second.app).get(body.path);
    expect([res.status, res.body.error.code, res.body.error.message, res.body.error.details]).toEqual([404, 'FILE_NOT_FOUND', 'This archive link is no longer available; ask for a new one.', { reason: 'archive_gone' }]);
    const denied = events.find((event) => event.type === 'denied');
    expect(denied?.type === 'denied' && String((denied.error.cause as Error).message)).toMatch(/another instance's memory store/);
  });

  test('a shared store: the link issued by one instance is served by another', async () => {
    const archiveStore = memoryArchiveStore();
    const first = host({ archiveStore });
    const second = host({ archiveStore });
    const body = await issued(first.app, ['a', 'c']);
    const res = await fetchBytes(second.app, body.path);
    expect(res.status).toBe(200);
    expect(readZip(res.body as Buffer).map((entry) => entry.bytes.toString())).toEqual(['alpha\n', 'charlie\n']);
  });

  test('maxUses: one download; its resumption with the link\'s ETag is free; a second download is 410', async () => {
    const { app } = host({ maxUses: 1 });
    const body = await issued(app, ['a', 'big']);
    const first = await fetchBytes(app, body.path);
    expect(first.status).toBe(200);
    const rest = await fetchBytes(app, body.path, { Range: 'bytes=1000-', 'If-Range': first.headers.etag as string });
    expect([rest.status, (rest.body as Buffer).equals((first.body as Buffer).subarray(1000))]).toEqual([206, true]);
    const second = await request(app).get(body.path);
    expect([second.status, second.body.error.code]).toEqual([410, 'LINK_USED_UP']);
  });
});

describe('ZIP64', () => {
  test('70,000 members: past 65,535 entries, every name and byte read back', async () => {
    const storage = memoryStorage();
    const records = new Map<string, FileRecord>();
    for (let i = 0; i < 70_000; i++) {
      const key = `f/${i}.txt`;
      storage.put(key, `${i}\n`);
      records.set(String(i), { id: String(i), key, size: `${i}\n`.length, etag: `"${i}"` });
    }
    const downloads = createDownloads({ storage, signer: createSigner({ secret: SECRET }), findFile: (id) => records.get(id) ?? null, authorize: () => true });
    const app = express();
    app.use('/files', downloads.serveSignedArchive(), express.json({ limit: '2mb' }), downloads.issueArchiveUrl({ maxFiles: 100_000 }));
    const res = await request(app).post('/files/archive-url').send({ file_ids: [...records.keys()] });
    expect(res.status).toBe(200);
    const url = new URL((res.body as IssuedArchiveBody).download_url);
    const archive = await fetchBytes(app, url.pathname + url.search);
    expect([archive.status, (archive.body as Buffer).length]).toEqual([200, (res.body as IssuedArchiveBody).size]);
    const entries = readZip(archive.body as Buffer);
    expect(entries.length).toBe(70_000);
    expect([entries[0]!.name, entries[69_999]!.name, entries[69_999]!.bytes.toString()]).toEqual(['0.txt', '69999.txt', '69999\n']);
  }, 120_000);

  test('a member past 4 GiB: ZIP64 sizes and offsets, read by Range at the archive\'s end and across the 4 GiB mark', async () => {
    const SIZE = 5 * 1024 ** 3 + 123;
    // A 5 GiB object of zeros that exists nowhere: only the ranges asked for are read.
    const sparse: StorageAdapter = {
      open: async (key) => (key !== 'huge.bin' ? null : {
        size: SIZE, etag: '"huge"',
        readAt: (buffer, offset, length, _position, done) => { buffer.fill(0, offset, offset + length); done(null, length); },
        close: () => undefined,
      }),
    };
    const records: Record<string, FileRecord> = {
      huge: { id: 'huge', key: 'huge.bin', filename: 'disk.img', crc32: 0x12345678 },
      small: { id: 'small', key: 'huge.bin', filename: 'tail.txt', crc32: 0x9abcdef0 },
    };
    const downloads = createDownloads({ storage: sparse, signer: createSigner({ secret: SECRET }), findFile: (id) => records[id] ?? null, authorize: () => true });
    const app = express();
    app.use('/files', downloads.serveSignedArchive(), express.json(), downloads.issueArchiveUrl({ maxBytes: 20 * 1024 ** 3 }));
    const res = await request(app).post('/files/archive-url').send({ file_ids: ['huge', 'small'] });
    expect(res.status).toBe(200);
    const { size } = res.body as IssuedArchiveBody & { size: number };
    const url = new URL((res.body as IssuedArchiveBody).download_url);
    const path = url.pathname + url.search;
    // The end: central directory (ZIP64 extra fields), ZIP64 end record, locator, end record.
    const tail = (await fetchBytes(app, path, { Range: 'bytes=-400' })).body as Buffer;
    expect(tail.length).toBe(400);
    const end = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    expect(tail.readUInt32LE(end + 16)).toBe(0xffffffff);
    const locator = end - 20;
    expect(tail.readUInt32LE(locator)).toBe(0x07064b50);
    const zip64End = Number(tail.readBigUInt64LE(locator + 8)) - (size - 400);
    expect(tail.readUInt32LE(zip64End)).toBe(0x06064b50);
    expect(Number(tail.readBigUInt64LE(zip64End + 32))).toBe(2);
    const central = Number(tail.readBigUInt64LE(zip64End + 48)) - (size - 400);
    expect(tail.readUInt32LE(central)).toBe(0x02014b50);
    expect([tail.readUInt32LE(central + 16), tail.readUInt32LE(central + 20), tail.readUInt32LE(central + 24)]).toEqual([0x12345678, 0xffffffff, 0xffffffff]);
    const nameLength = tail.readUInt16LE(central + 28);
    expect(tail.subarray(central + 46, central + 46 + nameLength).toString()).toBe('disk.img');
    const extra = central + 46 + nameLength;
    expect([tail.readUInt16LE(extra), Number(tail.readBigUInt64LE(extra + 4)), Number(tail.readBigUInt64LE(extra + 12))]).toEqual([1, SIZE, SIZE]);
    // The second member's local header lies past 4 GiB: its offset is a ZIP64 field too.
    const second = central + 46 + nameLength + tail.readUInt16LE(central + 30);
    expect(tail.readUInt32LE(second + 42)).toBe(0xffffffff);
    // Bytes across the 4 GiB mark of the first member's data.
    const across = await fetchBytes(app, path, { Range: `bytes=${2 ** 32 - 10}-${2 ** 32 + 9}` });
    expect([across.status, (across.body as Buffer).equals(Buffer.alloc(20))]).toEqual([206, true]);
  });
});

test('a CRC-32 learnt once is not learnt again: a resume opens only the members it sends, from where it starts', async () => {
  const { app, storage } = host();
  const opens: { key: string }[] = [];
  const open = storage.open.bind(storage);
  storage.open = (key) => { opens.push({ key }); return open(key); };
  const body = await issued(app, ['a', 'big', 'c']);
  const fresh = await fetchBytes(app, body.path, { Range: 'bytes=200000-' });
  // Nothing learnt yet: what the range does not carry of video.bin (its start) and of a.txt (all of it) is read,
  // not sent, to settle their CRC-32s for the descriptor and the central directory; then the range itself.
  expect([fresh.status, opens.map((trip) => trip.key)]).toEqual([206, ['big.bin', 'a.txt', 'big.bin', 'c.txt']]);
  await fetchBytes(app, body.path);
  opens.length = 0;
  const again = await fetchBytes(app, body.path, { Range: 'bytes=200000-' });
  expect([again.status, opens.map((trip) => trip.key)]).toEqual([206, ['big.bin', 'c.txt']]);
});

describe("compression: 'deflate'", () => {
  test('members deflated as they are sent: smaller, no length, no ranges; unpacked bytes exact', async () => {
    const { app, events } = host({ compression: 'deflate' });
    const res = await issue(app, { file_ids: ['a', 'big', 'c'] });
    expect(res.status).toBe(200);
    expect(res.body.size).toBeUndefined();
    const path = pathOf(res.body.download_url as string);
    const archive = await fetchBytes(app, path);
    expect([archive.status, archive.headers['content-length'], archive.headers['transfer-encoding'], archive.headers['accept-ranges'], archive.headers.etag])
      .toEqual([200, undefined, 'chunked', 'none', undefined]);
    expect(archive.headers['content-disposition']).toBe('attachment; filename=download.zip');
    const entries = readZip(archive.body as Buffer);
    expect(entries.map((entry) => [entry.name, entry.method, entry.flags & 0x0808])).toEqual([['Report.txt', 8, 0x0808], ['video.bin', 8, 0x0808], ['report (2).TXT', 8, 0x0808]]);
    expect(entries[1]!.bytes.equals(BIG)).toBe(true);
    // pattern() repeats every 251 bytes: deflate makes it far smaller.
    expect((archive.body as Buffer).length).toBeLessThan(BIG.length / 10);
    // A Range gets the whole archive: there is nothing to range over.
    const ranged = await fetchBytes(app, path, { Range: 'bytes=100-' });
    expect([ranged.status, (ranged.body as Buffer).equals(archive.body as Buffer)]).toEqual([200, true]);
    const head = await request(app).head(path);
    expect([head.status, head.headers['content-length'], head.headers['accept-ranges']]).toEqual([200, undefined, 'none']);
    const served = events.filter((event) => event.type === 'served');
    expect(served.map((event) => event.type === 'served' && [event.status, event.bytes, event.aborted])).toEqual([
      [200, (archive.body as Buffer).length, false], [200, (archive.body as Buffer).length, false], [200, 0, false],
    ]);
  });

  test('a member failing mid-archive ends the chunked body without its last chunk: the client sees a failure', async () => {
    const { app, storage } = host({ compression: 'deflate' });
    const res = await issue(app, { file_ids: ['a', 'big', 'c'] });
    storage.delete('c.txt');
    const outcome = await fetchBytes(app, pathOf(res.body.download_url as string)).then(() => 'complete', (error: Error) => error.message);
    expect(outcome).toMatch(/aborted|socket hang up|ECONNRESET|premature/i);
  });

  test('start-up: an unknown compression throws with the choices', () => {
    const { downloads } = host();
    expect(() => downloads.issueArchiveUrl({ compression: 'zstd' as 'store' })).toThrow(/'store'.*'deflate'/);
  });
});

describe('tenants and revocation', () => {
  test('tenantConfig: each tenant\'s own storage and keys; a link signed for one tenant opens nothing of another; suspension stops it', async () => {
    const stores = { acme: memoryStorage().put('r.txt', 'acme report\n'), globex: memoryStorage().put('r.txt', 'globex report\n') };
    const states: Record<string, 'active' | 'suspended'> = { acme: 'active', globex: 'active' };
    const records: Record<string, FileRecord> = { 'acme-r': { id: 'acme-r', key: 'r.txt', tenant: 'acme' }, 'globex-r': { id: 'globex-r', key: 'r.txt', tenant: 'globex' } };
    const downloads = createDownloads({
      storage: memoryStorage(), signer: createSigner({ secret: SECRET }), findFile: (id) => records[id] ?? null, authorize: () => true, tenant: (req) => req.params.orgId,
      tenantConfig: (tenant) => (tenant === 'acme' || tenant === 'globex'
        ? { storage: stores[tenant], keys: [{ kid: `${tenant}-1`, alg: 'HS256', secret: `${tenant}-secret-that-is-long-enough-32b` }], state: states[tenant] }
        : null),
    });
    const app = express();
    app.use('/orgs/:orgId/files', downloads.serveSignedArchive(), express.json(), downloads.issueArchiveUrl());
    const res = await request(app).post('/orgs/acme/files/archive-url').send({ file_ids: ['acme-r'] });
    expect(res.status).toBe(200);
    // Signed with the tenant's own key.
    expect(JSON.parse(Buffer.from((res.body.token as string).split('.')[0]!, 'base64url').toString()).kid).toBe('acme-1');
    const link = new URL(res.body.download_url as string);
    const archive = await fetchBytes(app, link.pathname + link.search);
    expect(readZip(archive.body as Buffer).map((entry) => entry.bytes.toString())).toEqual(['acme report\n']);
    expect((await request(app).post('/orgs/acme/files/archive-url').send({ file_ids: ['globex-r'] })).status).toBe(404);
    expect((await request(app).get(`/orgs/globex/files/archives/content${link.search}`)).status).toBe(401);
    states.acme = 'suspended';
    downloads.forgetTenant('acme');
    const suspended = await request(app).get(link.pathname + link.search);
    expect([suspended.status, suspended.body.error.code]).toEqual([403, 'TENANT_SUSPENDED']);
  });

  test('isRevoked is asked once per download, with the manifest digest as fileId and the link\'s jti', async () => {
    const asked: { fileId: string; jti: string | undefined }[] = [];
    let revoked = false;
    const { storage, docs } = world();
    const downloads = createDownloads({
      storage, signer: createSigner({ secret: SECRET }), findFile: (id) => docs[id] ?? null, authorize: () => true,
      isRevoked: ({ fileId, jti }) => { asked.push({ fileId, jti }); return revoked; },
    });
    const app = express();
    app.use('/files', downloads.serveSignedArchive(), express.json(), downloads.issueArchiveUrl());
    const res = await request(app).post('/files/archive-url').send({ file_ids: ['a', 'c'] });
    const path = pathOf(res.body.download_url as string);
    expect((await fetchBytes(app, path)).status).toBe(200);
    const claims = JSON.parse(Buffer.from((res.body.token as string).split('.')[1]!, 'base64url').toString()) as { fid: string; jti: string };
    expect(asked).toEqual([{ fileId: claims.fid, jti: claims.jti }]);
    revoked = true;
    expect((await request(app).get(path)).status).toBe(401);
  });
});

test('concurrent resumes of an archive nobody has read yet read each member once between them', async () => {
  // Every request asks the store for learnt CRC-32s just before it settles the ones it needs: opens of
  // video.bin wait until all ten have asked, so all ten need its CRC-32 at the same time.
  const REQUESTS = 10;
  const inner = memoryArchiveStore();
  let asked = 0;
  let allAsked!: () => void;
  const everyoneAsked = new Promise<void>((done) => { allAsked = done; });
  const archiveStore: ArchiveStore = { ...inner, getCrcs: (keys) => { if (++asked === REQUESTS) allAsked(); return inner.getCrcs(keys); } };
  const { app, storage } = host({ archiveStore });
  const opens: string[] = [];
  const open = storage.open.bind(storage);
  storage.open = async (key) => {
    opens.push(key);
    if (key === 'big.bin') await everyoneAsked;
    return open(key);
  };
  const body = await issued(app, ['a', 'big', 'c']);
  // The last 200 bytes (the central directory) need every CRC-32.
  const answers = await Promise.all(Array.from({ length: REQUESTS }, () => fetchBytes(app, body.path, { Range: 'bytes=-200' })));
  expect(answers.map((res) => res.status)).toEqual(Array(REQUESTS).fill(206));
  expect(new Set(answers.map((res) => (res.body as Buffer).toString('hex'))).size).toBe(1);
  expect(opens.filter((key) => key === 'big.bin').length).toBe(1);
});

describe('changes the records do not state', () => {
  test('a member rewritten in the store (same size, new ETag): 412 before any byte when the transfer starts in it; cut, with a denied event, when it is reached later', async () => {
    const events: DownloadEvent[] = [];
    const { app, storage } = host({ events });
    const body = await issued(app, ['a', 'big', 'c']);
    storage.put('c.txt', 'CHARLIE\n');
    const later = await fetchBytes(app, body.path).then((res) => `complete ${res.status}`, (error: Error) => error.message);
    expect(later).toMatch(/aborted|socket hang up|ECONNRESET/);
    expect(events.filter((event) => event.type === 'served' || event.type === 'denied').map((event) => event.type === 'served' ? ['served', event.aborted] : event.type === 'denied' ? ['denied', event.error.code] : []))
      .toEqual([['denied', 'PRECONDITION_FAILED'], ['served', true]]);
    storage.put('a.txt', 'ALPHA\n');
    const first = await request(app).get(body.path);
    expect([first.status, first.body.error.code]).toEqual([412, 'PRECONDITION_FAILED']);
  });

  test('a record whose crc32 is wrong: the first download is cut and reported, then it is 500 up front; never a complete archive with a bad CRC', async () => {
    const events: DownloadEvent[] = [];
    const { storage, docs } = world();
    const downloads = createDownloads({
      storage, signer: createSigner({ secret: SECRET }), authorize: () => true,
      findFile: (id) => (Object.hasOwn(docs, id) ? { ...docs[id]!, crc32: id === 'a' ? (crc32(CONTENT['a.txt']!) ^ 1) >>> 0 : crc32(CONTENT[docs[id]!.key!]!) } : null),
      onEvent: (event) => { events.push(event); },
    });
    const app = express();
    app.use('/files', downloads.serveSignedArchive(), express.json(), downloads.issueArchiveUrl());
    const res = await request(app).post('/files/archive-url').send({ file_ids: ['big', 'a'] });
    const path = pathOf(res.body.download_url as string);
    const cut = await fetchBytes(app, path).then((answer) => `complete ${answer.status}`, (error: Error) => error.message);
    expect(cut).toMatch(/aborted|socket hang up|ECONNRESET/);
    const failed = events.find((event) => event.type === 'failed');
    expect(failed?.type === 'failed' && [failed.error.code, String((failed.error.cause as Error).message)]).toEqual(['INTERNAL_ERROR', expect.stringMatching(/its record states crc32 \d+, its bytes have \d+; correct the record/)]);
    const again = await request(app).get(path);
    expect([again.status, again.body.error.code, JSON.stringify(again.body)]).toEqual([500, 'INTERNAL_ERROR', expect.not.stringMatching(/crc32/)]);
  });
});

test('without a body parser in front, the router reads up to maxFiles ids itself (1,000 UUIDs), and says so past it', async () => {
  const storage = memoryStorage().put('x.txt', 'x');
  const ids = Array.from({ length: 1000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const downloads = createDownloads({ storage, signer: createSigner({ secret: SECRET }), authorize: () => true, findFile: (id) => ({ id, key: 'x.txt', filename: `${id}.txt` }) });
  const app = express().use('/files', downloads.issueArchiveUrl());
  const res = await request(app).post('/files/archive-url').send({ file_ids: ids });
  expect([res.status, res.body.files?.length]).toEqual([200, 1000]);
  const tooLong = await request(app).post('/files/archive-url').send({ file_ids: ids, filename: 'x'.repeat(300_000) });
  expect([tooLong.status, tooLong.body.error.details.reason, tooLong.body.error.details.max]).toEqual([422, 'too_large', 256_000]);
  const malformed = await request(app).post('/files/archive-url').set('Content-Type', 'application/json').send('{"file_ids":[');
  expect([malformed.status, malformed.body.error.details.reason]).toEqual([422, 'invalid_json']);
});

test('a client that hangs up before the headers stops the reading its resume asked for', async () => {
  const { root, cleanup } = tempFiles({ 'big.bin': pattern(8 * 1024 * 1024), 'small.txt': 'small\n' });
  try {
    const files = fsStorage({ root });
    let read = 0;
    let firstRead!: () => void;
    const reading = new Promise<void>((done) => { firstRead = done; });
    let release!: () => void;
    const released = new Promise<void>((done) => { release = done; });
    let closedBig!: () => void;
    const bigClosed = new Promise<void>((done) => { closedBig = done; });
    const storage: StorageAdapter = {
      ...files,
      open: async (key, options) => {
        const object = await files.open(key, options);
        if (object === null || object.readAt === undefined || key !== 'big.bin') return object;
        const readAt = object.readAt;
        return {
          ...object,
          close: () => { object.close(); closedBig(); },
          readAt: (buffer, offset, length, position, done) => {
            firstRead();
            void released.then(() => readAt(buffer, offset, length, position, (error, bytes) => { read += bytes; done(error, bytes); }));
          },
        };
      },
    };
    const events: DownloadEvent[] = [];
    const records: Record<string, FileRecord> = { big: { id: 'big', key: 'big.bin' }, small: { id: 'small', key: 'small.txt' } };
    const downloads = createDownloads({ storage, signer: createSigner({ secret: SECRET }), authorize: () => true, findFile: (id) => records[id] ?? null, onEvent: (event) => { events.push(event); } });
    const app = express();
    app.use('/files', downloads.serveSignedArchive(), downloads.issueArchiveUrl());
    const server = await new Promise<Server>((done) => { const s = app.listen(0, '127.0.0.1', () => done(s)); });
    try {
      const port = (server.address() as AddressInfo).port;
      const issuedRes = await request(server).post('/files/archive-url').send({ file_ids: ['big', 'small'] });
      const path = pathOf(issuedRes.body.download_url as string);
      // The central directory needs big.bin's CRC-32: its 8 MiB are read before the headers.
      const client = httpGet({ host: '127.0.0.1', port, path, headers: { Range: 'bytes=-100' } });
      client.on('error', () => undefined);
      await reading;
      client.destroy();
      // Once the server has seen the hang-up, the held read goes on: it is the last.
      while (await new Promise<number>((done, fail) => server.getConnections((error, n) => (error ? fail(error) : done(n)))) > 0) await new Promise((done) => setImmediate(done));
      release();
      await bigClosed;
      expect(read).toBeLessThanOrEqual(256 * 1024);
      expect(events.filter((event) => event.type === 'failed')).toEqual([]);
      // The server is still well: a whole download works.
      const whole = await request(server).get(path).buffer(true).parse(binary);
      expect(whole.status).toBe(200);
    } finally {
      await new Promise((done) => server.close(done));
    }
  } finally {
    cleanup();
  }
});

test.each([['archive router first', true], ['file router first', false]])('a file whose id is "archives" and archive links share one mount, %s', async (_name, archiveFirst) => {
  const storage = memoryStorage().put('a.txt', 'alpha\n').put('x.txt', 'the file called archives\n');
  const records: Record<string, FileRecord> = { a: { id: 'a', key: 'a.txt' }, archives: { id: 'archives', key: 'x.txt' } };
  const downloads = createDownloads({ storage, signer: createSigner({ secret: SECRET }), authorize: () => true, findFile: (id) => records[id] ?? null });
  const app = express();
  const serving = archiveFirst ? [downloads.serveSignedArchive(), downloads.serveSignedDownload()] : [downloads.serveSignedDownload(), downloads.serveSignedArchive()];
  app.use('/files', ...serving, downloads.issueArchiveUrl(), downloads.issueDownloadUrl());
  const fileLink = await request(app).get('/files/archives/download-url');
  const file = await request(app).get(pathOf(fileLink.body.download_url as string)).buffer(true).parse(binary);
  expect([file.status, (file.body as Buffer).toString()]).toEqual([200, 'the file called archives\n']);
  const archiveLink = await request(app).post('/files/archive-url').send({ file_ids: ['a'] });
  const archive = await fetchBytes(app, pathOf(archiveLink.body.download_url as string));
  expect([archive.status, readZip(archive.body as Buffer).map((entry) => entry.bytes.toString())]).toEqual([200, ['alpha\n']]);
  // A forged token is still refused where it lands, not passed on.
  expect((await request(app).get('/files/archives/content?token=eyJhbGciOiJIUzI1NiJ9.e30.x&expires=9999999999')).status).toBe(401);
});
