import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { Readable } from 'node:stream';
import { fsStorage, memoryStorage, serveDownload, type DownloadEvent, type FileRecord, type ServeDownloadOptions, type StorageAdapter } from '../../lib';
import { JSON_CHUNK } from '../../lib/http/json-content';
import { appWith, pattern, tempFiles } from '../helpers/app';

// JSON mode streams its body a step at a time (security review of 0.4.0):
// the bytes must be those JSON.stringify gave before, whatever the store and
// wherever the steps fall; a store failing part-way must break the
// connection; a client that is gone must cost no read.

const SIZES = [0, 1, 2, 3, 4, 5, 1000, JSON_CHUNK - 1, JSON_CHUNK, JSON_CHUNK + 1, JSON_CHUNK + 2, 3 * JSON_CHUNK + 2];
const NAMES: Record<string, string | undefined> = {
  plain: 'notes.txt',
  unicode: 'Überblick – März 😀.pdf',
  escapes: 'a "quoted" name\u2028.txt',
  none: undefined,
};

const contents = Object.fromEntries(SIZES.map((size) => [`f${size}.bin`, pattern(size)]));
const files = tempFiles(contents);
afterAll(files.cleanup);

const memory = memoryStorage();
for (const [key, data] of Object.entries(contents)) memory.put(key, data);

/** A stream-only store (stat + read) whose streams come in odd pieces, so steps never fall on piece boundaries. */
const streaming: StorageAdapter = {
  stat: async (key) => (contents[key] === undefined ? null : { size: contents[key]!.length }),
  read: async (key, range) => {
    const data = contents[key]!.subarray(range?.start ?? 0, (range?.end ?? contents[key]!.length - 1) + 1);
    const pieces: Buffer[] = [];
    for (let at = 0, n = 1; at < data.length; at += n, n = (n * 7 + 3) % 20_011) pieces.push(data.subarray(at, at + n));
    return Readable.from(pieces);
  },
};

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  complete: boolean;
}

async function listen(options: Partial<ServeDownloadOptions> & Pick<ServeDownloadOptions, 'storage' | 'findFile'>) {
  const events: DownloadEvent[] = [];
  const app = appWith('/f', serveDownload({ authorize: () => true, json: { maxBytes: 4 * JSON_CHUNK }, onEvent: (event) => events.push(event), ...options }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  // The client ports whose connection the server has seen close.
  const closed = new Set<number>();
  server.on('connection', (socket) => {
    const port = socket.remotePort!;
    socket.once('close', () => closed.add(port));
  });
  const { port } = server.address() as AddressInfo;
  const get = (id: string) => new Promise<Answer>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: `/f/${encodeURIComponent(id)}/download`, headers: { Accept: 'application/json' }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      const done = () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete });
      res.on('end', done);
      res.on('error', done);
      res.on('aborted', () => undefined);
    }).on('error', reject);
  });
  /** Closes a client socket and waits until the server has seen its connection close. */
  const leave = async (socket: net.Socket) => {
    const port = socket.localPort!;
    socket.destroy();
    await until(() => closed.has(port));
  };
  /** Sends the JSON request on a raw socket and returns the socket (paused: it reads nothing). */
  const send = async (id: string) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.pause();
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`GET /f/${id}/download HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n`);
    return socket;
  };
  const served = (count: number) => until(() => events.filter((event) => event.type === 'served').length >= count);
  return { get, send, leave, events, served, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }) };
}

/** Waits for a condition (bounded: the test's timeout). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

const record = (key: string, filename: string | undefined): FileRecord => (filename === undefined ? { id: key, key } : { id: key, key, filename });

describe.each([
  ['fsStorage (positional reads)', () => fsStorage({ root: files.root })],
  ['memoryStorage (a body in memory)', () => memory],
  ['a stream-only store (odd pieces)', () => streaming],
] as const)('JSON mode body from %s', (_name, storage) => {
  test.each(Object.keys(NAMES))('byte for byte what JSON.stringify gives, every size (filename: %s)', async (name) => {
    const server = await listen({ storage: storage(), findFile: (id) => record(id, NAMES[name]) });
    try {
      for (const size of SIZES) {
        const key = `f${size}.bin`;
        const res = await server.get(key);
        expect({ size, status: res.status, complete: res.complete }).toEqual({ size, status: 200, complete: true });
        const parsed = JSON.parse(res.body.toString('utf8')) as { contentType: string; data: string; filename?: string; size: number };
        const expected = JSON.stringify({ contentType: parsed.contentType, data: contents[key]!.toString('base64'), filename: parsed.filename, size });
        expect(res.body.toString('utf8')).toBe(expected);
        // The name is the record's (or the key's), escaped as JSON.stringify escapes it.
        expect(parsed.filename).toBe(NAMES[name] ?? key);
        expect(res.headers['content-length']).toBe(String(res.body.length));
        expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      }
      await server.served(SIZES.length);
      expect(server.events.filter((event) => event.type === 'served').map((event) => (event as { aborted: boolean }).aborted)).toEqual(SIZES.map(() => false));
    } finally {
      await server.close();
    }
  });
});

describe('JSON mode: a store failing part-way', () => {
  const size = 3 * JSON_CHUNK;
  const failingAfter = (bytes: number): StorageAdapter => ({
    stat: async () => ({ size }),
    read: async () => Readable.from((async function* pieces() {
      yield pattern(bytes);
      throw new Error('disk on fire');
    })()),
  });

  test('after the first step: the connection is destroyed, never a complete-looking short body', async () => {
    const server = await listen({ storage: failingAfter(JSON_CHUNK + 10), findFile: (id) => ({ id, key: id }) });
    try {
      const res = await server.get('x');
      expect(res.status).toBe(200);
      expect(res.complete).toBe(false);
      expect(res.body.length).toBeLessThan(Number(res.headers['content-length']));
      await server.served(1);
      expect(server.events.find((event) => event.type === 'served')).toMatchObject({ status: 200, aborted: true });
    } finally {
      await server.close();
    }
  });

  test('within the first step: nothing was sent, so it is a clean 500 STORAGE_ERROR', async () => {
    const server = await listen({ storage: failingAfter(100), findFile: (id) => ({ id, key: id }) });
    try {
      const res = await server.get('x');
      expect(res.status).toBe(500);
      expect(JSON.parse(res.body.toString('utf8')).error.code).toBe('STORAGE_ERROR');
    } finally {
      await server.close();
    }
  });
});

describe('JSON mode: nothing is read for a client that has gone', () => {
  /** A store whose opens wait for `open()`, counting reads. */
  function gated() {
    let reads = 0;
    let opened: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => { opened = resolve; });
    const opens: string[] = [];
    const inner = memoryStorage().put('a', pattern(1000)).put('b', pattern(1000));
    const storage: StorageAdapter = {
      async open(key) {
        opens.push(key);
        await gate;
        const object = (await inner.open(key))!;
        const { body: _body, ...rest } = object;
        return { ...rest, readAt: (buffer, offset, length, position, callback) => { reads++; object.readAt!(buffer, offset, length, position, callback); } };
      },
    };
    return { storage, opens, open: () => opened(), reads: () => reads };
  }

  test('a client that left before the storage answered: no read, reported aborted', async () => {
    const store = gated();
    const server = await listen({ storage: store.storage, findFile: (id) => ({ id, key: id }) });
    try {
      const socket = await server.send('a');
      await until(() => store.opens.length === 1);
      await server.leave(socket);
      store.open();
      await server.served(1);
      expect(store.reads()).toBe(0);
      expect(server.events.find((event) => event.type === 'served')).toMatchObject({ status: 200, bytes: 0, aborted: true });
    } finally {
      await server.close();
    }
  });

  test('a client that left while waiting for the byte budget: no read once its turn comes, reported aborted', async () => {
    let reads = 0;
    const opens: string[] = [];
    let resume: () => void = () => undefined;
    const paused = new Promise<void>((resolve) => { resume = resolve; });
    const inner = memoryStorage().put('a', pattern(1000)).put('b', pattern(1000));
    const storage: StorageAdapter = {
      async open(key) {
        const object = (await inner.open(key))!;
        const { body: _body, ...rest } = object;
        opens.push(key);
        return {
          ...rest,
          readAt: (buffer, offset, length, position, callback) => {
            reads++;
            // The first request's read holds the whole budget until the test lets it go.
            void (key === 'a' ? paused : Promise.resolve()).then(() => object.readAt!(buffer, offset, length, position, callback));
          },
        };
      },
    };
    const server = await listen({ storage, findFile: (id) => ({ id, key: id }), json: { maxBytes: 1000, maxBufferedBytes: 1000 } });
    try {
      const holder = server.get('a');
      await until(() => reads === 1);
      const waiting = await server.send('b');
      // Its object is open; once the promise callbacks after that have run, it is queued behind the budget.
      await until(() => opens.includes('b'));
      await new Promise((resolve) => setImmediate(resolve));
      expect(reads).toBe(1);
      await server.leave(waiting);
      resume();
      expect((await holder).status).toBe(200);
      await server.served(2);
      expect(reads).toBe(1);
      expect(server.events.filter((event) => event.type === 'served').map((event) => (event as { aborted: boolean }).aborted).sort()).toEqual([false, true]);
    } finally {
      await server.close();
    }
  });
});

describe('JSON mode with formatResponse', () => {
  test('the reshaped body is sent whole, and its served event comes once the client has it', async () => {
    const server = await listen({
      storage: memoryStorage().put('a', pattern(1000)),
      findFile: (id) => ({ id, key: id }),
      formatResponse: (body) => ({ data: body.data, kind: 'custom' }),
    });
    try {
      const res = await server.get('a');
      expect(res.body.toString('utf8')).toBe(JSON.stringify({ data: pattern(1000).toString('base64'), kind: 'custom' }));
      await server.served(1);
      expect(server.events.find((event) => event.type === 'served')).toMatchObject({ status: 200, bytes: res.body.length, aborted: false });
    } finally {
      await server.close();
    }
  });
});
