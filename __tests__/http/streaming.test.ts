import express from 'express';
import { readdirSync, writeFileSync } from 'node:fs';
import { get as httpGet, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fsStorage, serveDownload, type DownloadEvent, type ServedEvent, type StorageAdapter } from '../../lib';
import { tempFiles } from '../helpers/app';

const BIG = 32 * 1024 * 1024;
const files = tempFiles({});
writeFileSync(join(files.root, 'big.bin'), Buffer.alloc(BIG, 7));
afterAll(files.cleanup);

async function listen(storage: StorageAdapter, onEvent?: (event: DownloadEvent) => void): Promise<{ server: Server; url: string }> {
  const app = express();
  app.use('/files', serveDownload({ storage, findFile: (id) => ({ id, key: id }), authorize: () => true, ...(onEvent ? { onEvent } : {}) }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

function response(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => httpGet(url, resolve).on('error', reject));
}

const until = async (check: () => boolean, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

test('clients that disconnect mid-download release the file descriptor and report aborted', async () => {
  const served: ServedEvent[] = [];
  const { server, url } = await listen(fsStorage({ root: files.root }), (event) => event.type === 'served' && served.push(event));
  const baseline = openFds();
  for (let i = 0; i < 20; i++) {
    const res = await response(`${url}/files/big.bin/download`);
    expect(res.statusCode).toBe(200);
    await new Promise((resolve) => res.once('data', resolve));
    res.destroy();
  }
  await until(() => served.length === 20);
  await until(() => openFds() <= baseline);
  expect(served.every((event) => event.aborted && event.bytes < BIG)).toBe(true);
  server.close();
});

test('a storage failure after the headers destroys the connection instead of ending a short body', async () => {
  const failing: StorageAdapter = {
    stat: async () => ({ size: 1000 }),
    read: async () => Readable.from((async function* () {
      yield Buffer.alloc(100, 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw new Error('disk went away');
    })(), { objectMode: false }),
  };
  const { server, url } = await listen(failing);
  const res = await response(`${url}/files/x/download`);
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-length']).toBe('1000');
  let received = 0;
  const outcome = await new Promise<string>((resolve) => {
    res.on('data', (chunk: Buffer) => { received += chunk.length; });
    res.on('end', () => resolve(res.complete ? 'complete' : 'incomplete'));
    res.on('aborted', () => resolve('aborted'));
    res.on('error', () => resolve('error'));
  });
  expect(outcome).not.toBe('complete');
  expect(received).toBe(100);
  server.close();
});

test('reading follows the client: a stalled client stops the storage stream (memory does not grow with file size)', async () => {
  let produced = 0;
  const endless: StorageAdapter = {
    stat: async () => ({ size: 1024 * 1024 * 1024 }),
    read: async () => new Readable({
      read() {
        produced += 64 * 1024;
        this.push(Buffer.alloc(64 * 1024));
      },
    }),
  };
  const { server, url } = await listen(endless);
  const res = await response(`${url}/files/huge/download`);
  res.pause();
  await new Promise((resolve) => setTimeout(resolve, 500));
  // Socket buffers on both ends plus stream high-water marks: a few MiB, never the 1 GiB file.
  expect(produced).toBeLessThan(16 * 1024 * 1024);
  res.destroy();
  server.close();
});

test('positional reads use two buffers: the next chunk is read while the socket takes this one, and a stalled client stops the reads', async () => {
  const storage = fsStorage({ root: files.root, openFileCache: false });
  const buffers = new Set<ArrayBufferLike>();
  let reads = 0;
  const spying: StorageAdapter = {
    stat: (key) => storage.stat(key),
    open: async (key, options) => {
      const object = await storage.open!(key, options);
      const readAt = object?.readAt;
      if (object === null || readAt === undefined) return object;
      return {
        ...object,
        close: () => object.close(),
        readAt: (buffer, offset, length, position, callback) => {
          reads++;
          buffers.add(buffer.buffer);
          readAt(buffer, offset, length, position, callback);
        },
      };
    },
  };
  const { server, url } = await listen(spying);
  // A client that reads everything: the exact bytes, through two buffers only.
  const whole = await response(`${url}/files/big.bin/download`);
  let received = 0;
  let wrong = 0;
  whole.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (chunk.some((byte) => byte !== 7)) wrong++;
  });
  await new Promise((resolve) => whole.on('end', resolve));
  expect(received).toBe(BIG);
  expect(wrong).toBe(0);
  expect(buffers.size).toBe(2);
  // A client that stops reading: the reads stop once the socket buffers and both chunks are full.
  reads = 0;
  const stalled = await response(`${url}/files/big.bin/download`);
  stalled.pause();
  // Wait until no read came for half a second (the server stopped, or would have read the whole file by then).
  for (let before = -1; reads !== before; ) {
    before = reads;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  // 256 KiB chunks: far fewer than the 128 a whole 32 MiB file takes.
  expect(reads).toBeLessThan(64);
  stalled.destroy();
  server.close();
});

test('an object given as bytes alone (body, no readAt or stream) is served whole and in ranges past the one-write size', async () => {
  // 200 KiB of distinct bytes: larger than one write (64 KiB), so the engine streams it.
  const bytes = Buffer.from(Array.from({ length: 200 * 1024 }, (_, i) => (i * 7) % 251));
  const bodyOnly: StorageAdapter = { open: async () => ({ size: bytes.length, etag: '"b1"', body: bytes, close: () => undefined }) };
  const { server, url } = await listen(bodyOnly);
  try {
    const read = async (headers: Record<string, string>) => {
      const res = await new Promise<IncomingMessage>((resolve, reject) => httpGet(`${url}/files/blob/download`, { headers }, resolve).on('error', reject));
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      return { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) };
    };
    const whole = await read({});
    expect([whole.status, whole.headers['content-length']]).toEqual([200, String(bytes.length)]);
    expect(whole.body.equals(bytes)).toBe(true);
    const part = await read({ Range: 'bytes=70000-150000' });
    expect([part.status, part.headers['content-range']]).toEqual([206, `bytes 70000-150000/${bytes.length}`]);
    expect(part.body.equals(bytes.subarray(70000, 150001))).toBe(true);
  } finally {
    server.close();
  }
});
