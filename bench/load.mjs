// Starts a scenario of bench/serve-app.mjs in a child process and loads it with autocannon.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import autocannon from 'autocannon';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);

/** Requests per second and latency of one scenario; throws unless every answer has `status`. */
export async function load(scenario, status, { connections = 50 } = {}) {
  const child = spawn(process.execPath, [new URL('./serve-app.mjs', import.meta.url).pathname, scenario], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const [line] = await once(child.stdout, 'data');
  const url = line.toString().trim();
  try {
    await autocannon({ url, connections: 10, duration: 2 });
    const result = await autocannon({ url, connections, duration: seconds });
    const matching = result.statusCodeStats?.[status]?.count ?? 0;
    if (matching !== result.requests.total || result.errors > 0) {
      throw new Error(`${scenario}: ${result.requests.total - matching} answers were not ${status}, ${result.errors} errors`);
    }
    return { scenario, rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99 };
  } finally {
    child.kill('SIGTERM');
  }
}

export function report({ scenario, rps, p50, p99 }) {
  console.log(`${scenario.padEnd(24)} ${String(rps).padStart(7)} req/s   p50 ${p50} ms   p99 ${p99} ms`);
}
