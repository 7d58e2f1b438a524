// Fallback for large bodies when wrk is missing: `connections` keep-alive
// loops of node:http requests that stream and discard the body, counting
// bytes as they arrive (so an unfinished 64 MiB download still counts, as in
// wrk), in a child process pinned like wrk.
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runJsonChild } from './processes.mjs';

export function runNodeClient({ origin, plan, connections, seconds, timeoutSeconds, pin }) {
  return runJsonChild(fileURLToPath(import.meta.url), { origin, requests: plan.requests, connections, seconds, timeoutSeconds }, pin);
}

async function child(specFile) {
  const spec = JSON.parse(await readFile(specFile, 'utf8'));
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
  const errors = { connect: 0, read: 0, write: 0, status: 0, timeout: 0 };
  const latencies = [];
  let bytes = 0;
  let next = 0;
  let stopping = false;

  const once = ({ path, headers = {} }) => new Promise((resolve) => {
    const started = performance.now();
    const req = http.get(spec.origin + path, { agent, headers }, (res) => {
      bytes += res.rawHeaders.reduce((sum, item) => sum + item.length + 2, 0) + 19; // headers, roughly as on the wire
      res.on('data', (chunk) => { bytes += chunk.length; });
      res.once('end', () => {
        latencies.push(performance.now() - started);
        if (res.statusCode >= 400) errors.status++;
        resolve();
      });
      res.once('error', () => { if (!stopping) errors.read++; resolve(); });
      res.once('aborted', () => { if (!stopping) errors.read++; resolve(); });
    });
    req.setTimeout(spec.timeoutSeconds * 1000, () => { errors.timeout++; req.destroy(); });
    req.once('error', (error) => { if (!stopping) errors[error.code === 'ECONNREFUSED' ? 'connect' : 'read']++; resolve(); });
    req.once('close', resolve); // whatever happened, this request is over
  });

  const start = performance.now();
  const loops = Array.from({ length: spec.connections }, async () => {
    while (!stopping) await once(spec.requests[next++ % spec.requests.length]);
  });
  await new Promise((resolve) => setTimeout(resolve, spec.seconds * 1000));
  stopping = true;
  const durationS = (performance.now() - start) / 1000;
  agent.destroy(); // ends the downloads still in flight, as wrk does at the deadline
  await Promise.all(loops);

  latencies.sort((a, b) => a - b);
  const percentile = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : null);
  process.stdout.write(JSON.stringify({
    generator: 'node-client',
    durationS,
    requests: latencies.length,
    bytes,
    rps: latencies.length / durationS,
    MBps: bytes / durationS / 1e6,
    p50Ms: percentile(50),
    p99Ms: percentile(99),
    errors,
  }));
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) await child(process.argv[2]);
