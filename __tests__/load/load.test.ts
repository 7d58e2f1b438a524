import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// The CI-sized run of scripts/load-attack.mjs: a server process with the
// built package (Express 5, fsStorage), 50 concurrent clients for ~5 s mixing
// valid, ranged, forged, tampered and expired requests, hang-ups, slow readers,
// HEAD and conditional requests. Needs `npm run build` first (`npm test` does it).

const root = resolve(__dirname, '../..');

/** Every kind the script knows; a kind that disappears from the mix fails the test. */
const KINDS = ['issue', 'full', 'direct', 'range', 'forged', 'tampered', 'expired', 'abort', 'abort-early', 'slow', 'head', 'conditional'];

interface Sample {
  rss: number;
  heapUsed: number;
  fds: number;
  fileFds: number;
  connections: number;
}
interface Results {
  pass: boolean;
  config: { rssBoundMiB: number; heapBoundMiB: number; fdTolerance: number; connectionTolerance: number };
  totals: { requests: number; fiveXX: number; wrongBytes: number; failedRequests: number; transportErrors: number; stuck: number };
  kinds: Record<string, { count: number; ok: number; failed: number; statuses: Record<string, number> }>;
  server: { before: Sample; peak: Sample; after: Sample; events: { deniedStatus: Record<string, number> } };
  checks: { name: string; ok: boolean; detail: string }[];
  failures: unknown[];
}

let dir: string;
let results: Results;
let exitCode: number | null;
let output: string;

beforeAll(async () => {
  if (!existsSync(resolve(root, 'dist/index.mjs'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
  dir = mkdtempSync(join(tmpdir(), 'esd-load-test-'));
  const json = join(dir, 'results.json');
  ({ exitCode, output } = await new Promise<{ exitCode: number | null; output: string }>((done) => {
    execFile(
      process.execPath,
      ['scripts/load-attack.mjs', '--quick', '--json', json],
      { cwd: root, timeout: 55_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => done({ exitCode: error === null ? 0 : typeof error.code === 'number' ? error.code : null, output: `${stdout}${stderr}` }),
    );
  }));
  if (!existsSync(json)) throw new Error(`load-attack wrote no results (exit ${exitCode}):\n${output}`);
  results = JSON.parse(readFileSync(json, 'utf8')) as Results;
}, 60_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

test('no 5xx and no wrong byte under mixed load', () => {
  const { fiveXX, wrongBytes, failedRequests, transportErrors, stuck } = results.totals;
  expect({ fiveXX, wrongBytes, failedRequests, transportErrors, stuck, failures: results.failures })
    .toEqual({ fiveXX: 0, wrongBytes: 0, failedRequests: 0, transportErrors: 0, stuck: 0, failures: [] });
  const serverErrors = Object.keys(results.server.events.deniedStatus).filter((status) => Number(status) >= 500);
  expect(serverErrors).toEqual([]);
});

test('every kind of request was exercised and answered as expected', () => {
  expect(Object.keys(results.kinds).sort()).toEqual([...KINDS].sort());
  for (const kind of KINDS) {
    const { count, ok } = results.kinds[kind]!;
    expect({ kind, exercised: count > 0, allOk: ok === count }).toEqual({ kind, exercised: true, allOk: true });
  }
  // The attack kinds were refused, not served.
  for (const kind of ['forged', 'tampered', 'expired']) expect(Object.keys(results.kinds[kind]!.statuses)).toEqual(['401']);
  expect(results.kinds.conditional!.statuses['304']).toBeGreaterThan(0);
  expect(results.kinds.range!.statuses['206']).toBeGreaterThan(0);
});

test('descriptors and connections return to the baseline once the clients are gone', () => {
  const { before, peak, after } = results.server;
  const { fdTolerance, connectionTolerance } = results.config;
  // The load did open many (or the check proves nothing)…
  expect(peak.connections).toBeGreaterThan(before.connections + 10);
  // …and none stays open.
  expect({ fds: after.fds <= before.fds + fdTolerance, fileFds: after.fileFds, connections: after.connections <= before.connections + connectionTolerance })
    .toEqual({ fds: true, fileFds: 0, connections: true });
});

test('memory settles within the bounds the script justifies', () => {
  const { before, after } = results.server;
  const MiB = 1024 * 1024;
  expect((after.rss - before.rss) / MiB).toBeLessThanOrEqual(results.config.rssBoundMiB);
  expect((after.heapUsed - before.heapUsed) / MiB).toBeLessThanOrEqual(results.config.heapBoundMiB);
});

test('the script itself passes (exit code 0)', () => {
  const failed = results.checks.filter((check) => !check.ok);
  expect({ exitCode, failedChecks: failed }).toEqual({ exitCode: 0, failedChecks: [] });
});
