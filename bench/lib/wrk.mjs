// wrk wrapper: one thread on the load-generator CPU, a Lua script that
// (optionally) cycles through a list of requests and reports the figures as
// one JSON line, so nothing depends on wrk's human-readable formatting.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOADGEN_CPU, pinned, scratchDir, track } from './processes.mjs';

export function wrkAvailable() {
  const probe = spawnSync('wrk', ['--version'], { stdio: 'ignore' });
  return probe.error === undefined;
}

// done() gets the same histogram `--latency` prints, but in µs with no unit
// parsing. Requests answered >= 400 are counted by wrk in errors.status.
const REPORT_LUA = `
function done(summary, latency, requests)
  local e = summary.errors
  local mean = summary.requests > 0 and latency.mean or 0 -- an empty histogram's mean is NaN, not JSON
  io.write(string.format(
    'WRK_JSON {"durationUs":%d,"requests":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latencyUs":{"p50":%d,"p90":%d,"p99":%d,"mean":%.1f,"max":%d}}\\n',
    summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), mean, latency.max))
end
`;

// request() must exist at the top level for wrk to treat the script as
// dynamic; before init() (wrk's own check of the script) it returns the
// default request. The plan file has one request per line:
// path<TAB>Header: value<TAB>...; requests are pre-formatted once, so the
// per-request Lua cost is an array index.
const CYCLE_LUA = `
local reqs, n, i = nil, 0, 0
function init(args)
  reqs = {}
  for line in io.lines(args[1]) do
    local fields = {}
    for field in string.gmatch(line, "[^\\t]+") do fields[#fields + 1] = field end
    local headers = {}
    for k = 2, #fields do
      local name, value = string.match(fields[k], "^([^:]+):%s*(.*)$")
      headers[name] = value
    end
    n = n + 1
    reqs[n] = wrk.format(nil, fields[1], headers)
  end
end
function request()
  if reqs == nil then return wrk.format() end
  i = i % n + 1
  return reqs[i]
end
`;

/**
 * Runs wrk against `origin` with `plan.requests` ([{ path, headers? }]):
 * one request is sent as-is (wrk's fast static path), several are cycled.
 * Resolves with the normalised figures (see normalise()).
 */
export async function runWrk({ origin, plan, connections, seconds, timeoutSeconds, pin }) {
  const dir = await mkdtemp(join(scratchDir(), 'wrk-'));
  try {
    const many = plan.requests.length > 1;
    const script = join(dir, 'plan.lua');
    await writeFile(script, (many ? CYCLE_LUA : '') + REPORT_LUA);
    const args = ['-t', '1', '-c', String(connections), '-d', `${seconds}s`, '--timeout', `${timeoutSeconds}s`, '--latency', '-s', script];
    const [first] = plan.requests;
    if (many) {
      const file = join(dir, 'requests.tsv');
      await writeFile(file, plan.requests.map(({ path, headers = {} }) => [path, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\t')).join('\n') + '\n');
      args.push(origin + first.path, '--', file);
    } else {
      for (const [name, value] of Object.entries(first.headers ?? {})) args.push('-H', `${name}: ${value}`);
      args.push(origin + first.path);
    }
    const { stdout, stderr, code } = await run(...pinned(pin, LOADGEN_CPU, 'wrk', args));
    const line = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '));
    if (code !== 0 || line === undefined) throw new Error(`wrk failed (exit ${code}):\n${stdout}\n${stderr}`);
    return normalise(JSON.parse(line.slice('WRK_JSON '.length)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function normalise(raw) {
  const durationS = raw.durationUs / 1e6;
  return {
    generator: 'wrk',
    durationS,
    requests: raw.requests,
    bytes: raw.bytes,
    rps: raw.requests / durationS,
    MBps: raw.bytes / durationS / 1e6,
    // No completed response (a long download still running at the deadline): no latency to report.
    p50Ms: raw.requests > 0 ? raw.latencyUs.p50 / 1000 : null,
    p99Ms: raw.requests > 0 ? raw.latencyUs.p99 / 1000 : null,
    errors: raw.errors,
  };
}

function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = track(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.once('error', reject);
    child.once('close', (code) => resolve({ stdout, stderr, code }));
  });
}
