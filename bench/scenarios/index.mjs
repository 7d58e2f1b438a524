// The scenario registry: `--only` names, run order, and the two shapes a
// scenario can take.
//
// PAIR scenario (measured side by side by lib/runner.mjs runPair):
//   { name, aliases?, title, metric: 'rps' | 'MBps', connections, timeoutSeconds?, warmupSeconds?,
//     prepare(ctx) → { ours: Side, reference: Side },
//     summarize?(summary, rounds, sides) → extra figures, notes?(summary) → lines }
//   Side: { label, server: { app, config } | start(ctx) → { origin, pid, stop() },
//           plan: { requests: [{ path, headers?, status?, sha256? }] }, warmupPlan?,
//           check?(response, request), checkBytes?: false }
//   `server.app` names an export of bench/servers/ours.mjs or reference.mjs.
//   `start` replaces the Node server child for a side that is not a Node app.
//
// CUSTOM scenario (its own measurement loop, e.g. memory):
//   { name, title, run(ctx) → { summary, rounds } | { skipped: reason }, lines?(result) → lines }
//
// ctx: { fixtures (lib/fixtures.mjs), env: { generator, pin }, rounds, seconds,
//        warmupSeconds, quick, log(line) }; lib/runner.mjs `measure()` does
//        one verified, warmed-up, checked run of a Side for custom scenarios.
import { archiveMemory, archiveStream, archiveTtfb } from './archives.mjs';
import { issueBatch } from './issue-batch.mjs';
import { issueUrl } from './issue-url.mjs';
import { jsonHeld } from './json-held.mjs';
import { largeStream, range1MiB } from './large.mjs';
import { mounts } from './mounts.mjs';
import { offload } from './offload.mjs';
import { redirect } from './redirect.mjs';
import { renditionMemory } from './rendition-memory.mjs';
import { renditionCold, renditionHit, renditionHitLookup } from './renditions.mjs';
import { s3Proxy } from './s3-proxy.mjs';
import { rss } from './rss.mjs';
import { smallJose, smallStatic } from './small.mjs';
import { tenants } from './tenants.mjs';
import { tenantsMemory } from './tenants-memory.mjs';
import { tokenCost } from './token-cost.mjs';

export const scenarios = [
  smallStatic,
  smallJose,
  largeStream,
  range1MiB,
  issueUrl,
  issueBatch,
  redirect,
  rss,
  tokenCost,
  offload,
  s3Proxy,
  jsonHeld,
  tenants,
  tenantsMemory,
  mounts,
  renditionHit,
  renditionHitLookup,
  renditionCold,
  renditionMemory,
  archiveStream,
  archiveMemory,
  archiveTtfb,
];

/** The scenarios `--only` asks for (by name or alias), in registry order; throws on an unknown name. */
export function select(only) {
  if (only === undefined) return scenarios;
  const names = only.split(',').map((n) => n.trim()).filter(Boolean);
  for (const name of names) {
    if (!scenarios.some((s) => s.name === name || s.aliases?.includes(name))) {
      throw new Error(`unknown scenario ${JSON.stringify(name)}; known: ${scenarios.flatMap((s) => [s.name, ...(s.aliases ?? [])]).join(', ')}`);
    }
  }
  return scenarios.filter((s) => names.includes(s.name) || s.aliases?.some((a) => names.includes(a)));
}
