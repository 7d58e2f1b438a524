import { readdirSync, readlinkSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fsStorage, type StoredObject } from '../../lib';
import { readRange } from '../../lib/http/open-object';
import { tempFiles } from '../helpers/app';

const files = tempFiles({ 'small.txt': 'version one', 'large.bin': Buffer.alloc(100_000, 1) });
afterAll(files.cleanup);

async function text(object: StoredObject | null): Promise<string> {
  if (object === null) return '<missing>';
  try {
    return (await readRange(object, { start: 0, end: object.size - 1 })).toString();
  } finally {
    object.close();
  }
}

const openOn = (root: string) => (path: string) => readdirSync('/proc/self/fd').filter((fd) => {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`).startsWith(join(root, path));
  } catch {
    return false;
  }
}).length;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a file replaced on disk is served in its old version for at most validityMs, then in the new one', async () => {
  const storage = fsStorage({ root: files.root, openFileCache: { validityMs: 300 } });
  const path = join(files.root, 'small.txt');
  expect(await text(await storage.open('small.txt', { body: true }))).toBe('version one');
  writeFileSync(`${path}.tmp`, 'version two!');
  renameSync(`${path}.tmp`, path);
  expect(await text(await storage.open('small.txt', { body: true }))).toBe('version one');
  await delay(350);
  expect(await text(await storage.open('small.txt', { body: true }))).toBe('version two!');
});

test('without the cache every open sees the file as it is now', async () => {
  const storage = fsStorage({ root: files.root, openFileCache: false });
  const path = join(files.root, 'small.txt');
  writeFileSync(path, 'first');
  expect(await text(await storage.open('small.txt', { body: true }))).toBe('first');
  writeFileSync(`${path}.tmp`, 'second');
  renameSync(`${path}.tmp`, path);
  expect(await text(await storage.open('small.txt', { body: true }))).toBe('second');
});

test('small files come with their bytes in memory within the content budget; large ones never', async () => {
  const storage = fsStorage({ root: files.root, openFileCache: { maxContentBytes: 64 * 1024 } });
  const small = (await storage.open('small.txt', { body: true }))!;
  const large = (await storage.open('large.bin', { body: true }))!;
  small.close();
  large.close();
  expect(small.body?.toString()).toBe(await text(await storage.open('small.txt', { body: true })));
  expect(large.body).toBeUndefined();
  const none = fsStorage({ root: files.root, openFileCache: { maxContentBytes: 0 } });
  const bare = (await none.open('small.txt', { body: true }))!;
  bare.close();
  expect(bare.body).toBeUndefined();
});

test('expired descriptors are closed even when their key is never asked for again (a deleted file is freed)', async () => {
  const local = tempFiles({ 'gone.txt': 'soon deleted' });
  const storage = fsStorage({ root: local.root, openFileCache: { validityMs: 100 } });
  const count = openOn(local.root);
  (await storage.open('gone.txt', { body: true }))!.close();
  expect(count('gone.txt')).toBe(1);
  unlinkSync(join(local.root, 'gone.txt'));
  const deadline = Date.now() + 2000;
  while (count('gone.txt') > 0 && Date.now() < deadline) await delay(20);
  expect(count('gone.txt')).toBe(0);
  local.cleanup();
});

test('a descriptor in use is closed only when its last transfer ends', async () => {
  const local = tempFiles({ 'busy.bin': Buffer.alloc(200_000, 2) });
  const storage = fsStorage({ root: local.root, openFileCache: { validityMs: 50, maxEntries: 1 } });
  const count = openOn(local.root);
  const reading = (await storage.open('busy.bin', { body: true }))!;
  await delay(300);
  expect(count('busy.bin')).toBe(1);
  expect((await readRange(reading, { start: 199_990, end: 199_999 })).equals(Buffer.alloc(10, 2))).toBe(true);
  // Expired and swept while in use: closed as soon as its last user lets go.
  reading.close();
  await delay(50);
  expect(count('busy.bin')).toBe(0);
  local.cleanup();
});

test('options are checked at start-up', () => {
  expect(() => fsStorage({ root: files.root, openFileCache: { validityMs: 0 } })).toThrow(/validityMs must be an integer number of milliseconds/);
  expect(() => fsStorage({ root: files.root, openFileCache: { maxEntries: 1.5 } })).toThrow(/maxEntries must be a positive integer/);
  expect(() => fsStorage({ root: files.root, openFileCache: { maxContentBytes: -1 } })).toThrow(/maxContentBytes/);
  expect(() => fsStorage({ root: files.root, openFileCache: { validty: 1 } as never })).toThrow(/Did you mean `validityMs`/);
});

describe('one cache for every fsStorage with the same options', () => {
  // Options no other test uses: a cache of their own in this process.
  const shared = { maxEntries: 2, validityMs: 600_000, maxContentBytes: 0 };
  const trees = ['one', 'two', 'three'].map((name) => tempFiles({ 'a.txt': `file of ${name}` }));
  afterAll(() => trees.forEach((tree) => tree.cleanup()));

  test('its limits hold for all the storages together, and each root keeps its own files', async () => {
    const storages = trees.map((tree) => fsStorage({ root: tree.root, openFileCache: shared }));
    for (const [index, storage] of storages.entries()) {
      expect(await text(await storage.open('a.txt', { body: true }))).toBe(`file of ${['one', 'two', 'three'][index]}`);
    }
    // Three storages, two entries: the first one's descriptor went when the third came.
    expect(trees.map((tree) => openOn(tree.root)('a.txt'))).toEqual([0, 1, 1]);
    expect(await text(await storages[1]!.open('a.txt', { body: true }))).toBe('file of two');
  });

  test('a file checked under one root is never lent to a storage whose root it lies outside', async () => {
    const tree = tempFiles({ 'secret.txt': 'outer secret', 'inner/plain.txt': 'inner' });
    try {
      symlinkSync('../secret.txt', join(tree.root, 'inner/link.txt'));
      const outer = fsStorage({ root: tree.root, openFileCache: shared });
      const inner = fsStorage({ root: join(tree.root, 'inner'), openFileCache: shared });
      expect(await text(await outer.open('inner/link.txt', { body: true }))).toBe('outer secret');
      expect(await inner.open('link.txt', { body: true })).toBeNull();
      expect(await text(await inner.open('plain.txt', { body: true }))).toBe('inner');
    } finally {
      tree.cleanup();
    }
  });
});
