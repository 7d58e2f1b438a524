// Child processes: server under test on CPU 0, load generator on CPU 1, so
// neither steals the other's core and every run starts from a cold process.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVER_CPU = '0';
export const LOADGEN_CPU = '1';
const SERVER_ENTRY = fileURLToPath(new URL('../servers/main.mjs', import.meta.url));
const live = new Set();

/** True when `taskset` exists and both CPUs can be used (a 1-CPU box cannot pin apart). */
export function tasksetWorks() {
  const probe = (cpu) => spawnSync('taskset', ['-c', cpu, 'true'], { stdio: 'ignore' }).status === 0;
  return probe(SERVER_CPU) && probe(LOADGEN_CPU);
}

/** The command line, prefixed with `taskset -c <cpu>` when pinning is on (taskset execs: same pid). */
export function pinned(pin, cpu, command, args) {
  return pin ? ['taskset', ['-c', cpu, command, ...args]] : [command, args];
}

/** Remembers a child until it exits, so an interrupted harness leaves no server or load generator behind. */
export function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

let scratch;
/** The run's directory for fixtures and scripts; removed when the harness exits, however it exits. */
export function scratchDir() {
  scratch ??= mkdtempSync(join(tmpdir(), 'esd-bench-'));
  return scratch;
}

process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

/**
 * Starts `bench/servers/main.mjs <app> <config>` and resolves once it listens.
 * Returns { origin, pid, setupMs, stop() }. A side may instead bring its own
 * `start(ctx)` returning the same shape (e.g. nginx for the `offload` scenario).
 */
export async function startServer({ app, config }, { pin }) {
  // ESD_BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the servers (NODE_OPTIONS refuses --cpu-prof).
  const nodeArgs = (process.env.ESD_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const [command, args] = pinned(pin, SERVER_CPU, process.execPath, [...nodeArgs, SERVER_ENTRY, app, JSON.stringify(config)]);
  const child = track(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } }));
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000); });

  const ready = new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /READY (\d+) (\d+) ([\d.]+)/.exec(stdout);
      if (match) resolve({ port: Number(match[1]), pid: Number(match[2]), setupMs: Number(match[3]) });
    });
    child.once('exit', (code) => reject(new Error(`server ${app} exited with ${code} before listening:\n${stderr}`)));
    setTimeout(() => reject(new Error(`server ${app} did not listen within 20 s:\n${stderr}`)), 20_000).unref();
  });
  try {
    const { port, pid, setupMs } = await ready;
    return { origin: `http://127.0.0.1:${port}`, pid, setupMs, stop: () => stopChild(child), stderr: () => stderr };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

/**
 * Runs `node <script> <spec file>` (pinned to the load-generator CPU when
 * `pin`) and resolves with the JSON it prints: how the Node-based load
 * generators run outside the harness's own event loop.
 */
export async function runJsonChild(script, spec, pin) {
  const dir = await mkdtemp(join(scratchDir(), 'load-'));
  try {
    const specFile = join(dir, 'spec.json');
    await writeFile(specFile, JSON.stringify(spec));
    const [command, args] = pinned(pin, LOADGEN_CPU, process.execPath, [script, specFile]);
    const stdout = await new Promise((resolve, reject) => {
      const child = track(spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] }));
      let output = '';
      child.stdout.on('data', (chunk) => { output += chunk; });
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`${script} exited with ${code}`))));
    });
    return JSON.parse(stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Resident set size of a process in bytes, from /proc (Linux), or null when unreadable. */
export function readRss(pid, field = 'VmRSS') {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Samples VmRSS every `everyMs` until `stop()`, which returns bytes
 * { start, peak, samples } (start: before the load began).
 */
export function sampleRss(pid, everyMs = 50) {
  const start = readRss(pid);
  let peak = start ?? 0;
  let samples = 0;
  const take = () => {
    const rss = readRss(pid);
    if (rss !== null) { peak = Math.max(peak, rss); samples++; }
  };
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { start, peak, samples };
    },
  };
}
