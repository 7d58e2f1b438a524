import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fsStorage } from '../../lib';
import { storageConformance } from './conformance';

storageConformance('fsStorage', async () => {
  const root = mkdtempSync(join(tmpdir(), 'esd-fs-'));
  return {
    adapter: fsStorage({ root }),
    put: async (key, data) => {
      mkdirSync(dirname(join(root, key)), { recursive: true });
      writeFileSync(join(root, key), data);
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
});

describe('fsStorage containment', () => {
  const outer = mkdtempSync(join(tmpdir(), 'esd-outer-'));
  const root = join(outer, 'root');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(outer, 'secret.txt'), 'outside root');
  writeFileSync(join(root, 'inside.txt'), 'inside root');
  writeFileSync(join(root, '%2e%2e'), 'a file literally named %2e%2e');
  symlinkSync(join(outer, 'secret.txt'), join(root, 'escape.txt'));
  symlinkSync(outer, join(root, 'escape-dir'));
  symlinkSync(join(root, 'inside.txt'), join(root, 'sub', 'alias.txt'));
  symlinkSync(root, join(outer, 'root-link'));
  const storage = fsStorage({ root });
  afterAll(() => rmSync(outer, { recursive: true, force: true }));

  test.each(['escape.txt', 'escape-dir/secret.txt', '../secret.txt', `${outer}/secret.txt`, 'sub/../../secret.txt'])(
    '%s cannot reach a file outside root',
    async (key) => {
      await expect(storage.stat(key)).resolves.toBeNull();
      await expect(storage.open(key, { body: true })).resolves.toBeNull();
    },
  );

  test('symlinks that stay inside root work, and encoded dots are only names', async () => {
    await expect(storage.stat('sub/alias.txt')).resolves.toMatchObject({ size: 11 });
    await expect(storage.stat('%2e%2e')).resolves.toMatchObject({ size: 29 });
    await expect(storage.stat('%2e%2e/secret.txt')).resolves.toBeNull();
  });

  test('a root given through a symlink is resolved once and still contains its files', async () => {
    const linked = fsStorage({ root: join(outer, 'root-link') });
    await expect(linked.stat('inside.txt')).resolves.toMatchObject({ size: 11 });
    await expect(linked.stat('escape.txt')).resolves.toBeNull();
  });

  test('a root that is a file is refused at start-up', () => {
    expect(() => fsStorage({ root: join(root, 'inside.txt') })).toThrow(/is not a directory/);
  });
});
