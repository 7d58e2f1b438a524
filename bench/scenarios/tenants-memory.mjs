// Tenants at scale, memory and start-up: the tenantsSigned app (one mount,
// tenantConfig building each tenant's fsStorage and key list from a row of
// the host's table) with every tenant's row present, holding 1 or 10,000
// tenants resolved, and 20,000 resolved through a cache of 10,000 (against
// 20,000 known and 1 resolved: the host's table is twice as large). Each
// figure is taken in a fresh process after two full collections; the host's
// table is in all of them, so the differences are what resolving costs.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pinned, SERVER_CPU, track } from '../lib/processes.mjs';
import { median } from '../lib/runner.mjs';

const HEAP_ENTRY = fileURLToPath(new URL('../servers/heap.mjs', import.meta.url));
const MiB = (bytes) => bytes / (1024 * 1024);

const CASES = [
  { name: 'one', label: '10,000 tenants known, 1 resolved', config: { tenants: 10_000, resolve: 1 } },
  { name: 'all', label: '10,000 tenants known, all resolved', config: { tenants: 10_000, resolve: 10_000 } },
  { name: 'overOne', label: '20,000 tenants known, 1 resolved', config: { tenants: 20_000, resolve: 1, cacheMax: 10_000 } },
  { name: 'over', label: '20,000 resolved through a cache of 10,000', config: { tenants: 20_000, resolve: 20_000, cacheMax: 10_000 } },
  { name: 'alone', label: '1 tenant known and resolved', config: { tenants: 1, resolve: 1 } },
];

function heapOf(config, pin) {
  const [command, args] = pinned(pin, SERVER_CPU, process.execPath, ['--expose-gc', HEAP_ENTRY, 'tenantsSigned', JSON.stringify(config)]);
  return new Promise((resolve, reject) => {
    const child = track(spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] }));
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(JSON.parse(output)) : reject(new Error(`heap.mjs exited with ${code}`))));
  });
}

export const tenantsMemory = {
  name: 'tenants-memory',
  title: 'memory and start-up with 10,000 tenants (tenantConfig): 1 vs 10,000 resolved, and 20,000 through a cache of 10,000',
  async run(ctx) {
    const rounds = [];
    for (let round = 1; round <= ctx.rounds; round++) {
      for (const { name, config } of CASES) {
        const figures = await heapOf({ ...ctx.fixtures.serverConfig, ...config }, ctx.env.pin);
        rounds.push({ round, case: name, ...figures });
        ctx.log(`  round ${round} ${name.padEnd(5)} heap ${MiB(figures.heapUsed).toFixed(1)} MiB, RSS ${MiB(figures.rss).toFixed(1)} MiB, setup ${figures.setupMs.toFixed(0)} ms`);
      }
    }
    const of = (name, field) => median(rounds.filter((r) => r.case === name).map((r) => r[field]));
    const cases = Object.fromEntries(CASES.map(({ name, label }) => [name, {
      label, heapMiB: MiB(of(name, 'heapUsed')), rssMiB: MiB(of(name, 'rss')), setupMs: of(name, 'setupMs'),
    }]));
    return {
      summary: {
        cases,
        heapAllVsOneMiB: cases.all.heapMiB - cases.one.heapMiB,
        heapOverVsOneMiB: cases.over.heapMiB - cases.overOne.heapMiB,
        rssAllVsOneMiB: cases.all.rssMiB - cases.one.rssMiB,
      },
      rounds,
    };
  },
  lines: ({ summary }) => [
    ...Object.values(summary.cases).map((c) => `  ${c.label.padEnd(44)} heap ${c.heapMiB.toFixed(1)} MiB, RSS ${c.rssMiB.toFixed(1)} MiB, setup ${c.setupMs.toFixed(0)} ms`),
    `  10,000 resolved vs 1: heap +${summary.heapAllVsOneMiB.toFixed(1)} MiB (RSS +${summary.rssAllVsOneMiB.toFixed(1)} MiB); 20,000 through a cache of 10,000 vs 1: heap +${summary.heapOverVsOneMiB.toFixed(1)} MiB`,
  ],
};
