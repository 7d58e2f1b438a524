import type { ByteRange, StorageAdapter, StoredObject } from '../../lib';
import { readRange } from '../../lib/http/open-object';

/** What each adapter's test file provides: the adapter and a way to put an object into its backing store. */
export interface ConformanceSetup {
  adapter: StorageAdapter;
  put(key: string, data: Buffer): Promise<void>;
  cleanup?(): Promise<void> | void;
}

const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256));

export const UNSAFE_KEYS = ['', '../outside.txt', 'a/../../outside.txt', '/etc/passwd', 'a//b.txt', 'a/./b.txt', 'nul\u0000.txt', 'a\\..\\b', 'line\nbreak', '.', '..'];

const WHOLE = { body: true } as const;

/** The bytes of `range` through whichever door the object offers, closing it after. */
async function read(object: StoredObject, range?: ByteRange): Promise<Buffer> {
  try {
    return object.size === 0 ? Buffer.alloc(0) : await readRange(object, range ?? { start: 0, end: object.size - 1 });
  } finally {
    object.close();
  }
}

/**
 * The contract every StorageAdapter must meet, in its one-trip shape
 * (`open`); each adapter's test file runs it against a real backing store
 * (a temp dir, memory, an S3 server).
 */
export function storageConformance(name: string, setup: () => Promise<ConformanceSetup>): void {
  describe(`${name} conforms to StorageAdapter`, () => {
    let env: ConformanceSetup;
    let open: (key: string, options?: Parameters<NonNullable<StorageAdapter['open']>>[1]) => Promise<StoredObject | null>;
    beforeAll(async () => {
      env = await setup();
      open = (key, options = WHOLE) => env.adapter.open!(key, options);
      await env.put('data/blob.bin', bytes);
      await env.put('dir with spaces/ünïcode – name.txt', Buffer.from('unicode'));
      await env.put('empty.txt', Buffer.alloc(0));
    });
    afterAll(async () => env.cleanup?.());

    test('open gives size, last-modified and a quoted entity tag, and a way to the bytes', async () => {
      const object = (await open('data/blob.bin'))!;
      object.close();
      expect(object.size).toBe(bytes.length);
      // Not toBeInstanceOf: Node's own Dates come from another realm than Jest's.
      expect(Object.prototype.toString.call(object.lastModified)).toBe('[object Date]');
      expect(Math.abs(object.lastModified!.getTime() - Date.now())).toBeLessThan(10 * 60_000);
      expect(object.etag).toMatch(/^(W\/)?".+"$/);
      expect(object.readAt !== undefined || object.stream !== undefined).toBe(true);
    });

    test('opening for metadata only (HEAD) gives the same size and tag', async () => {
      const full = (await open('data/blob.bin'))!;
      full.close();
      const head = (await open('data/blob.bin', { body: false }))!;
      head.close();
      expect({ size: head.size, etag: head.etag }).toEqual({ size: full.size, etag: full.etag });
    });

    test('a missing key, and a directory, are null', async () => {
      await expect(open('data/missing.bin')).resolves.toBeNull();
      await expect(open('data')).resolves.toBeNull();
      await expect(open('data/missing.bin', { body: false })).resolves.toBeNull();
    });

    test('a full read returns the exact bytes', async () => {
      expect(Buffer.compare(await read((await open('data/blob.bin'))!), bytes)).toBe(0);
      expect((await read((await open('dir with spaces/ünïcode – name.txt'))!)).toString()).toBe('unicode');
      expect((await read((await open('empty.txt'))!)).length).toBe(0);
    });

    test.each([
      [0, 0],
      [1000, 1999],
      [123_456, 299_999],
      [299_999, 299_999],
    ])('a ranged read %i-%i returns exactly those bytes, with or without a matching hint', async (start, end) => {
      const hinted = await read((await open('data/blob.bin', { body: true, range: { start, end } }))!, { start, end });
      expect(Buffer.compare(hinted, bytes.subarray(start, end + 1))).toBe(0);
      const unhinted = await read((await open('data/blob.bin'))!, { start, end });
      expect(Buffer.compare(unhinted, bytes.subarray(start, end + 1))).toBe(0);
      // A hint the engine then overrides (a stale If-Range): the object still gives what is asked.
      const other = await read((await open('data/blob.bin', { body: true, range: { suffix: 10 } }))!, { start, end });
      expect(Buffer.compare(other, bytes.subarray(start, end + 1))).toBe(0);
    });

    test('a store that evaluates If-None-Match itself reports notModified with the tag; others ignore it', async () => {
      const { etag } = (await open('data/blob.bin', { body: false }))!;
      const object = (await open('data/blob.bin', { body: true, ifNoneMatch: etag! }))!;
      object.close();
      if (object.notModified === true) expect(object.etag).toBe(etag);
      else expect(object.size).toBe(bytes.length);
    });

    test.each(UNSAFE_KEYS)('the unsafe key %j is never looked up', async (key) => {
      await expect(open(key)).resolves.toBeNull();
      if (env.adapter.stat !== undefined) await expect(env.adapter.stat(key)).resolves.toBeNull();
    });

    test('a stream destroyed part-way, or an object closed unread, releases it without an unhandled error', async () => {
      const object = (await open('data/blob.bin'))!;
      if (object.stream !== undefined) {
        const stream = (await object.stream({ start: 0, end: bytes.length - 1 })) as NodeJS.ReadableStream & { destroy(): void };
        await new Promise((resolve) => stream.once('data', resolve));
        const closed = new Promise((resolve) => stream.once('close', resolve));
        stream.destroy();
        await expect(closed).resolves.toBeUndefined();
      }
      object.close();
      (await open('data/blob.bin'))!.close();
    });

    test('rewriting an object changes its entity tag', async () => {
      await env.put('data/changing.txt', Buffer.from('version one'));
      const first = (await open('data/changing.txt'))!;
      first.close();
      // Past any cache validity (fsStorage's open-file cache keeps a descriptor 1 s by default).
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await env.put('data/changing.txt', Buffer.from('version two!'));
      const second = (await open('data/changing.txt'))!;
      expect(second.etag).not.toBe(first.etag);
      expect((await read(second)).toString()).toBe('version two!');
    });
  });
}
