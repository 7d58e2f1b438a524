// 11. Batch issuing: issueDownloadUrls answering 1, 10 and 100 URLs per
// request, in URLs per second. Authentication and the JSON answer are paid
// once per request, a signature (node's HMAC, synchronous) per URL: a batch
// of 100 should give far more than 100 single requests' worth per second.
// POST bodies need autocannon (wrk's plan files carry GET paths only).
import { runAutocannon } from '../lib/autocannon.mjs';
import { API_KEY } from '../lib/fixtures.mjs';
import { startServer } from '../lib/processes.mjs';
import { median } from '../lib/runner.mjs';

const SIZES = [1, 10, 100];
const CONNECTIONS = 10;

function request(size) {
  return {
    path: '/files/download-urls',
    method: 'POST',
    headers: { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ file_ids: Array.from({ length: size }, (_, i) => (i % 2 === 0 ? 'small' : 'large')) }),
  };
}

/** One request by hand first: every entry must be a signed URL for its file. */
async function verify(origin, size) {
  const { path, method, headers, body } = request(size);
  const res = await fetch(origin + path, { method, headers, body });
  const answer = await res.json();
  const entries = answer.download_urls;
  if (res.status !== 200 || !Array.isArray(entries) || entries.length !== size || entries.some((entry) => typeof entry.download_url !== 'string' || entry.token.split('.').length !== 3)) {
    throw new Error(`issue-batch: a batch of ${size} answered ${res.status} ${JSON.stringify(answer).slice(0, 200)}`);
  }
}

export const issueBatch = {
  name: 'issue-batch',
  title: 'issueDownloadUrls: URLs per second in batches of 1, 10 and 100',
  async run(ctx) {
    const rounds = [];
    for (let round = 1; round <= ctx.rounds; round++) {
      for (const size of SIZES) {
        const server = await startServer({ app: 'issueBatch', config: ctx.fixtures.serverConfig }, ctx.env);
        try {
          await verify(server.origin, size);
          const plan = { requests: [request(size)] };
          const common = { origin: server.origin, plan, connections: CONNECTIONS, timeoutSeconds: 10, pin: ctx.env.pin };
          if (ctx.warmupSeconds > 0) await runAutocannon({ ...common, seconds: ctx.warmupSeconds });
          const result = await runAutocannon({ ...common, seconds: ctx.seconds });
          if (result.errors.status > 0 || result.requests === 0) throw new Error(`issue-batch: ${result.errors.status} error answers, ${result.requests} requests`);
          rounds.push({ round, size, rps: result.rps, urlsPerSecond: result.rps * size, p50Ms: result.p50Ms, p99Ms: result.p99Ms });
          ctx.log(`  round ${round} batch ${String(size).padEnd(3)} ${result.rps.toFixed(0)} req/s = ${(result.rps * size).toFixed(0)} URLs/s, p50 ${result.p50Ms} ms`);
        } finally {
          await server.stop();
        }
      }
    }
    const bySize = Object.fromEntries(SIZES.map((size) => {
      const mine = rounds.filter((r) => r.size === size);
      return [size, { requestsPerSecond: median(mine.map((r) => r.rps)), urlsPerSecond: median(mine.map((r) => r.urlsPerSecond)), p50Ms: median(mine.map((r) => r.p50Ms)) }];
    }));
    return { summary: { bySize, connections: CONNECTIONS }, rounds };
  },
  lines: ({ summary }) => [
    `issue-batch: URLs per second (${summary.connections} connections, autocannon)`,
    ...Object.entries(summary.bySize).map(([size, s]) => `  batch of ${size.padEnd(3)} ${s.urlsPerSecond.toFixed(0).padStart(7)} URLs/s  (${s.requestsPerSecond.toFixed(0)} req/s, p50 ${s.p50Ms} ms, ${(s.urlsPerSecond / summary.bySize[1].urlsPerSecond).toFixed(1)}× batch of 1)`),
  ],
};
