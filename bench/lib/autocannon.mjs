// Fallback load generator when wrk is not installed. autocannon runs in its
// own child process (pinned like wrk when taskset works), so it never shares
// an event loop with the harness, and answers with the same normalised
// figures as wrk.mjs. autocannon keeps each response body in memory and
// counts bytes only of completed responses, so large bodies go to
// node-client.mjs instead (see load.mjs).
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readFile } from 'node:fs/promises';
import { runJsonChild } from './processes.mjs';

export function runAutocannon({ origin, plan, connections, seconds, timeoutSeconds, pin }) {
  return runJsonChild(fileURLToPath(import.meta.url), { origin, requests: plan.requests, connections, seconds, timeoutSeconds }, pin);
}

/** In the child: run autocannon, cycling through the requests like the wrk Lua script. */
async function child(specFile) {
  const { default: autocannon } = await import('autocannon');
  const spec = JSON.parse(await readFile(specFile, 'utf8'));
  let next = 0;
  const pick = () => spec.requests[next++ % spec.requests.length];
  const result = await autocannon({
    url: spec.origin,
    connections: spec.connections,
    duration: spec.seconds,
    timeout: spec.timeoutSeconds,
    // method and body: for POST scenarios (issue-batch), which only autocannon runs.
    requests: [{ setupRequest: (req) => { const { path, headers = {}, method = 'GET', body } = pick(); return { ...req, path, method, body, headers: { ...req.headers, ...headers } }; } }],
  });
  // Mirror wrk: answers >= 400 are status errors; everything else by kind.
  const status = Object.entries(result.statusCodeStats ?? {}).filter(([code]) => Number(code) >= 400).reduce((sum, [, { count }]) => sum + count, 0);
  const durationS = result.duration;
  process.stdout.write(JSON.stringify({
    generator: 'autocannon',
    durationS,
    requests: result.requests.total,
    bytes: result.throughput.total,
    rps: result.requests.total / durationS,
    MBps: result.throughput.total / durationS / 1e6,
    p50Ms: result.requests.total > 0 ? result.latency.p50 : null,
    p99Ms: result.requests.total > 0 ? result.latency.p99 : null,
    errors: { connect: 0, read: result.errors - result.timeouts, write: 0, status, timeout: result.timeouts },
  }));
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) await child(process.argv[2]);
