// 8. What a token costs the first time it is seen against a token seen
// before, through our signed route on the 1 KiB file: N distinct pre-issued
// URLs cycled (N larger than the run can use up, so each is first-use in
// that server process) against one URL repeated. Both sides are ours; each
// round starts a fresh server, so reusing the list across rounds is still
// first use. Both warm up on the repeated URL, so the distinct ones stay unseen.
import { median } from '../lib/runner.mjs';

/** Tokens differ only in their expiry (HS256 is deterministic); sized to outlast the run at ~6k req/s. */
const distinctCount = (seconds) => Math.max(10_000, Math.ceil(seconds * 6_000));

async function signMany(fixtures, count) {
  const paths = new Array(count);
  let next = 0;
  // A few signatures in flight at once: jose signs asynchronously.
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < count) {
      const i = next++;
      paths[i] = await fixtures.signedPath('small', 1 + i);
    }
  }));
  return paths;
}

export const tokenCost = {
  name: 'token-cost',
  title: 'signed route, 1 KiB: first-use tokens vs one repeated token',
  metric: 'rps',
  connections: 50,
  async prepare({ fixtures, seconds, log }) {
    const count = distinctCount(seconds);
    log(`  signing ${count} distinct URLs…`);
    const sha256 = fixtures.sha256Of('small');
    const config = fixtures.serverConfig;
    const repeated = { requests: [{ path: await fixtures.signedPath('small'), sha256 }] };
    const distinct = { requests: (await signMany(fixtures, count)).map((path) => ({ path, sha256 })) };
    return {
      ours: { label: `${count} distinct`, server: { app: 'signedDownload', config }, plan: distinct, warmupPlan: repeated },
      reference: { label: 'one repeated', server: { app: 'signedDownload', config }, plan: repeated },
    };
  },
  /** On a saturated pinned core, 1/throughput is the server's CPU time per request. */
  summarize(summary, rounds, sides) {
    const us = (rps) => (rps ? 1e6 / rps : null);
    const firstUse = us(summary.sides.ours.median);
    const repeat = us(summary.sides.reference.median);
    const perRoundDiff = rounds.filter((r) => r.role === 'ours').map((first) => us(first.rps) - us(rounds.find((r) => r.role === 'reference' && r.round === first.round).rps));
    const distinct = sides.ours.plan.requests.length;
    return {
      distinctUrls: distinct,
      wrapped: rounds.some((r) => r.role === 'ours' && r.requests > distinct),
      firstUseUsPerRequest: firstUse,
      repeatUsPerRequest: repeat,
      extraUsPerFirstUse: median(perRoundDiff),
    };
  },
  notes: ({ extra }) => [
    `token-cost: first use ${extra.firstUseUsPerRequest?.toFixed(1)} µs/request, repeat ${extra.repeatUsPerRequest?.toFixed(1)} µs/request, `
      + `difference ${extra.extraUsPerFirstUse?.toFixed(1)} µs (median of rounds) over ${extra.distinctUrls} distinct URLs`
      + (extra.wrapped ? ' — WARNING: the run used more requests than distinct URLs, later ones were repeats (lower --seconds)' : ''),
  ],
};
