// `npm run bench` (builds first), or directly:
//   node bench/index.mjs [--quick] [--json <file>] [--only <scenario,...>] [--rounds N] [--seconds S]
//                        [--loadgen wrk|autocannon] [--no-pin]
// Each scenario compares ours with a reference side by side (lib/runner.mjs);
// scenarios are listed in scenarios/index.mjs. Exits 1 only when a scenario
// fails (error, wrong status or bytes), never because of a speed figure.
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';

const usage = `usage: node bench/index.mjs [--quick] [--json <file>] [--only <scenario,...>] [--rounds N] [--seconds S] [--loadgen wrk|autocannon] [--no-pin]
  --quick      1 round, 1 s runs after 1 s warm-up: a smoke test of every scenario in about a minute
  --json       write the summary and every raw round to <file>
  --only       comma-separated scenario names (see bench/scenarios/index.mjs)
  --rounds     rounds per scenario (default 5, quick 1); sides alternate which goes first
  --seconds    measured seconds per run (default 10 or BENCH_SECONDS, quick 1; whole seconds, as wrk takes them)
  --loadgen    force a load generator (default: wrk when installed, else autocannon;
               the autocannon fallback streams responses over 4 MiB with a small node:http client)
  --no-pin     do not pin server and load generator to CPUs 0 and 1 with taskset`;

function options() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      only: { type: 'string' },
      rounds: { type: 'string' },
      seconds: { type: 'string' },
      loadgen: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) { console.log(usage); process.exit(0); }
  const integer = (name, fallback) => {
    const n = values[name] === undefined ? fallback : Number(values[name]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number ≥ 1, got ${values[name] ?? n}`);
    return n;
  };
  if (values.loadgen !== undefined && !['wrk', 'autocannon'].includes(values.loadgen)) throw new Error('--loadgen is wrk or autocannon');
  return {
    quick: values.quick,
    json: values.json,
    only: values.only,
    rounds: integer('rounds', values.quick ? 1 : 5),
    // BENCH_SECONDS: what the README's earlier runner took; --seconds wins.
    seconds: integer('seconds', values.quick ? 1 : Number(process.env.BENCH_SECONDS ?? 10)),
    warmupSeconds: values.quick ? 1 : 3,
    loadgen: values.loadgen,
    pin: !values['no-pin'],
  };
}

let opts;
try {
  opts = options();
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
if (!existsSync(new URL('../dist/index.mjs', import.meta.url))) {
  console.error('bench: dist/ is missing; run `npm run build` first (or `npm run bench`, which does).');
  process.exit(2);
}

// Imported after the checks above: fixtures.mjs imports the built package.
const { createFixtures } = await import('./lib/fixtures.mjs');
const { tasksetWorks } = await import('./lib/processes.mjs');
const { wrkAvailable } = await import('./lib/wrk.mjs');
const { runPair } = await import('./lib/runner.mjs');
const { printReport, writeJson } = await import('./lib/report.mjs');
const { select } = await import('./scenarios/index.mjs');

let selected;
try {
  selected = select(opts.only);
} catch (error) {
  console.error(error.message);
  process.exit(2);
}

// What this machine offers; every fallback is said out loud, in the output and the JSON.
const warnings = [];
let generator = opts.loadgen ?? 'wrk';
if (generator === 'wrk' && !wrkAvailable()) {
  if (opts.loadgen === 'wrk') { console.error('bench: --loadgen wrk, but wrk is not installed'); process.exit(2); }
  generator = 'autocannon';
  warnings.push('wrk not found: falling back to autocannon, and a node:http client for responses over 4 MiB (figures are not comparable with wrk runs)');
}
let pin = opts.pin;
if (pin && !tasksetWorks()) {
  pin = false;
  warnings.push('taskset missing or fewer than 2 CPUs: server and load generator are NOT pinned and share CPUs');
} else if (!pin) {
  warnings.push('--no-pin: server and load generator are NOT pinned and share CPUs');
}
for (const warning of warnings) console.log(`WARNING: ${warning}`);
console.log(`bench on Node.js ${process.version} (${process.execPath})`);

const environment = {
  node: process.version, platform: process.platform, arch: process.arch,
  cpus: cpus().length, cpuModel: cpus()[0]?.model, loadavgAtStart: loadavg(),
  generator, pin, warnings,
};
const startedAt = new Date().toISOString();
const fixtures = await createFixtures(); // removed at exit with the run's scratch directory

const ctx = { fixtures, env: { generator, pin }, rounds: opts.rounds, seconds: opts.seconds, warmupSeconds: opts.warmupSeconds, quick: opts.quick, log: (line) => console.log(line) };
const results = [];
for (const scenario of selected) {
  console.log(`▶ ${scenario.name}: ${scenario.title}`);
  try {
    const result = scenario.run ? await scenario.run(ctx) : await runPair(scenario, ctx);
    results.push({ scenario, ok: true, ...result });
  } catch (error) {
    console.log(`  FAILED: ${error.message}`);
    results.push({ scenario, ok: false, error: error.message });
  }
}

const runOptions = { quick: opts.quick, only: opts.only ?? null, rounds: opts.rounds, seconds: opts.seconds, warmupSeconds: opts.warmupSeconds };
printReport(results, { ...environment, ...runOptions });
if (opts.json) {
  await writeJson(opts.json, { results, environment, options: runOptions, startedAt });
  console.log(`\nJSON: ${opts.json}`);
}
await fixtures.cleanup();
process.exitCode = results.some((r) => !r.ok) ? 1 : 0;
