import type { StorageAdapter } from '../../lib';

/** What each adapter's test file provides: the adapter and a way to put an object into its backing store. */
export interface ConformanceSetup {
  adapter: StorageAdapter;
  put(key: string, data: Buffer): Promise<void>;
  cleanup?(): Promise<void> | void;
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256));

export const UNSAFE_KEYS = ['', '../outside.txt', 'a/../../outside.txt', '/etc/passwd', 'a//b.txt', 'a/./b.txt', 'nul\u0000.txt', 'a\\..\\b', 'line\nbreak', '.', '..'];

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'FILE_NOT_FOUND' || code === 'ENOENT';
}

/**
 * The contract every StorageAdapter must meet; each adapter's test file runs
 * it against a real backing store (a temp dir, memory, an S3 server).
 */
export function storageConformance(name: string, setup: () => Promise<ConformanceSetup>): void {
  describe(`${name} conforms to StorageAdapter`, () => {
    let env: ConformanceSetup;
    beforeAll(async () => {
      env = await setup();
      await env.put('data/blob.bin', bytes);
      await env.put('dir with spaces/ünïcode – name.txt', Buffer.from('unicode'));
      await env.put('empty.txt', Buffer.alloc(0));
    });
    afterAll(async () => env.cleanup?.());

    test('stat gives size, last-modified and a quoted entity tag', async () => {
      const stat = await env.adapter.stat('data/blob.bin');
      expect(stat?.size).toBe(bytes.length);
      // Not toBeInstanceOf: Node's own Dates come from another realm than Jest's.
      expect(Object.prototype.toString.call(stat?.lastModified)).toBe('[object Date]');
      expect(Math.abs(stat!.lastModified!.getTime() - Date.now())).toBeLessThan(10 * 60_000);
      expect(stat?.etag).toMatch(/^(W\/)?".+"$/);
    });

    test('stat of a missing key is null', async () => {
      await expect(env.adapter.stat('data/missing.bin')).resolves.toBeNull();
      await expect(env.adapter.stat('data')).resolves.toBeNull();
    });

    test('a full read returns the exact bytes', async () => {
      expect(Buffer.compare(await collect(await env.adapter.read('data/blob.bin')), bytes)).toBe(0);
      expect((await collect(await env.adapter.read('dir with spaces/ünïcode – name.txt'))).toString()).toBe('unicode');
      expect((await collect(await env.adapter.read('empty.txt'))).length).toBe(0);
    });

    test.each([
      [0, 0],
      [1000, 1999],
      [123_456, 299_999],
      [299_999, 299_999],
    ])('a ranged read %i-%i returns exactly those bytes', async (start, end) => {
      const got = await collect(await env.adapter.read('data/blob.bin', { start, end }));
      expect(Buffer.compare(got, bytes.subarray(start, end + 1))).toBe(0);
    });

    test('reading a missing key rejects as not found', async () => {
      const error = await env.adapter.read('data/missing.bin').catch((e: unknown) => e);
      expect(isNotFound(error)).toBe(true);
    });

    test.each(UNSAFE_KEYS)('the unsafe key %j is never looked up', async (key) => {
      await expect(env.adapter.stat(key)).resolves.toBeNull();
      const error = await env.adapter.read(key).catch((e: unknown) => e);
      expect(isNotFound(error)).toBe(true);
    });

    test('a stream destroyed part-way closes without an unhandled error', async () => {
      const stream = (await env.adapter.read('data/blob.bin')) as NodeJS.ReadableStream & { destroy(): void };
      await new Promise((resolve) => stream.once('data', resolve));
      const closed = new Promise((resolve) => stream.once('close', resolve));
      stream.destroy();
      await expect(closed).resolves.toBeUndefined();
    });

    test('rewriting an object changes its entity tag', async () => {
      await env.put('data/changing.txt', Buffer.from('version one'));
      const first = await env.adapter.stat('data/changing.txt');
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await env.put('data/changing.txt', Buffer.from('version two!'));
      const second = await env.adapter.stat('data/changing.txt');
      expect(second?.etag).not.toBe(first?.etag);
      expect(second?.size).toBe(12);
    });
  });
}
