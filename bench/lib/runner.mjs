// Runs scenarios. A pair scenario is measured side by side: in every round
// both sides run once, each in a fresh server process, alternating which
// goes first (ours on odd rounds, the reference on even ones) so drift in the
// machine's load (other jobs, thermal, page cache) hits both sides alike. The
// headline is the median of the per-round ratios, which cancels that drift
// better than a ratio of medians.
import { checkRun, load } from './load.mjs';
import { readRss, startServer } from './processes.mjs';
import { verifySide } from './verify.mjs';

export const median = (values) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Starts a side's server: the standard Node child, or the side's own `start(ctx)` (e.g. nginx). */
export function startSide(side, ctx) {
  return side.start ? side.start(ctx) : startServer(side.server, ctx.env);
}

/**
 * One measured run of one side: fresh server, correctness check, warm-up,
 * measurement, then the clean-run check. Options: connections, seconds,
 * warmupSeconds, timeoutSeconds; `during(server)` may return { stop() } to
 * sample something (RSS) while the measurement runs.
 */
export async function measure(side, ctx, { connections, seconds, warmupSeconds, timeoutSeconds = 10, during }) {
  const server = await startSide(side, ctx);
  try {
    const rssAtStart = readRss(server.pid); // the idle process, before any request
    const verified = await verifySide(server.origin, side);
    const run = { origin: server.origin, connections, timeoutSeconds, responseBytes: verified.responseBytes };
    if (warmupSeconds > 0) await load(ctx.env, { ...run, plan: side.warmupPlan ?? side.plan, seconds: warmupSeconds });
    const probe = during?.(server);
    let result;
    let sampled;
    try {
      result = await load(ctx.env, { ...run, plan: side.plan, seconds });
    } finally {
      sampled = probe?.stop();
    }
    checkRun(result, { responseBytes: side.checkBytes === false ? undefined : verified.responseBytes, connections });
    return { ...result, verified, rssAtStart, setupMs: server.setupMs, ...(sampled ? { sampled } : {}) };
  } catch (error) {
    const stderr = server.stderr?.().trim();
    if (stderr) error.message += `\n  server stderr: ${stderr}`;
    throw error;
  } finally {
    await server.stop();
  }
}

/** Runs a pair scenario for ctx.rounds rounds; returns the summary with every raw round. */
export async function runPair(scenario, ctx) {
  const sides = await scenario.prepare(ctx);
  const metric = scenario.metric;
  const rounds = [];
  for (let round = 1; round <= ctx.rounds; round++) {
    const order = round % 2 === 1 ? ['ours', 'reference'] : ['reference', 'ours'];
    for (const [index, role] of order.entries()) {
      const side = sides[role];
      const result = await measure(side, ctx, {
        connections: scenario.connections,
        seconds: ctx.seconds,
        // A scenario may ask for a longer warm-up (a steady state), never in the quick smoke run.
        warmupSeconds: ctx.quick ? ctx.warmupSeconds : Math.max(ctx.warmupSeconds, scenario.warmupSeconds ?? 0),
        timeoutSeconds: scenario.timeoutSeconds,
      });
      rounds.push({ round, role, label: side.label, position: index + 1, ...result });
      ctx.log(`  round ${round} ${role.padEnd(9)} ${format(result[metric], metric)}  p50 ${ms(result.p50Ms)} ms  p99 ${ms(result.p99Ms)} ms`);
    }
  }

  const of = (role) => rounds.filter((r) => r.role === role);
  const sideSummary = (role) => ({
    label: sides[role].label,
    median: median(of(role).map((r) => r[metric])),
    p50Ms: median(of(role).map((r) => r.p50Ms)),
    p99Ms: median(of(role).map((r) => r.p99Ms)),
  });
  const perRound = of('ours').map((ours) => ours[metric] / of('reference').find((r) => r.round === ours.round)[metric]);
  const summary = {
    metric,
    connections: scenario.connections,
    sides: { ours: sideSummary('ours'), reference: sideSummary('reference') },
    ratio: { median: median(perRound), perRound },
  };
  if (scenario.summarize) summary.extra = scenario.summarize(summary, rounds, sides);
  return { summary, rounds };
}

export const ms = (value) => (value === null || value === undefined ? '—' : value.toFixed(2));

export const format = (value, metric) => (value === null || value === undefined ? '—'
  : metric === 'MBps' ? `${value.toFixed(1)} MB/s` : `${Math.round(value)} req/s`);
