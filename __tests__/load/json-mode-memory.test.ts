import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// JSON mode against clients that do not read (security review of 0.4.0:
// 40 such clients of a 5 MB file grew the process by 748 MiB, 100 by
// 1,389 MiB, and 100 requests closed 20 ms after sending were all read and
// encoded). scripts/json-hold.mjs runs the server in its own process (its RSS
// is its own, sampled from inside) and waits for conditions, never for a
// fixed time. Needs `npm run build` first (`npm test` does it).

const root = resolve(__dirname, '../..');

interface Results {
  pass: boolean;
  error?: string;
  hold: { peakGrowthMiB: number; readsStarted: number; fullyRead: number; headed: number; servedAborted: number };
  early: { seen: number; readsStarted: number; fullyRead: number; served: number; servedAborted: number };
  server: { denied: number };
}

let dir: string;
let results: Results;
let output: string;

beforeAll(async () => {
  if (!existsSync(resolve(root, 'dist/index.mjs'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
  dir = mkdtempSync(join(tmpdir(), 'esd-json-hold-test-'));
  const json = join(dir, 'results.json');
  output = await new Promise<string>((done) => {
    execFile(
      process.execPath,
      ['scripts/json-hold.mjs', '--clients', '100', '--early', '100', '--json', json],
      { cwd: root, timeout: 110_000, maxBuffer: 4 * 1024 * 1024 },
      (_error, stdout, stderr) => done(`${stdout}${stderr}`),
    );
  });
  if (!existsSync(json)) throw new Error(`json-hold wrote no results:\n${output}`);
  results = JSON.parse(readFileSync(json, 'utf8')) as Results;
}, 120_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

test('the run completed (every wait met its condition)', () => {
  expect({ pass: results.pass, error: results.error }).toEqual({ pass: true, error: undefined });
  expect(results.server.denied).toBe(0);
});

test('100 clients that never read a 5 MiB JSON answer grow the server by at most 64 MiB', () => {
  // The load did reach the server: every request was answered (headers sent) and reading began.
  expect({ headed: results.hold.headed, readsStarted: results.hold.readsStarted }).toEqual({ headed: 100, readsStarted: 100 });
  expect(results.hold.peakGrowthMiB).toBeLessThanOrEqual(64);
  // None could take the whole answer, and each was reported as not delivered once it left.
  expect(results.hold.fullyRead).toBeLessThan(100);
  expect(results.hold.servedAborted).toBe(100);
});

test('requests closed ~20 ms after sending are not all read and encoded, and are reported aborted', () => {
  const { seen, fullyRead, served, servedAborted } = results.early;
  expect(seen).toBe(100);
  expect(fullyRead).toBeLessThan(100);
  expect({ served, servedAborted }).toEqual({ served: 100, servedAborted: 100 });
});
