// Output: the side-by-side table on stdout, and everything (raw rounds
// included) as JSON for whoever wants to compare runs.
import { writeFile } from 'node:fs/promises';
import { format, ms } from './runner.mjs';

/** `results`: [{ scenario, ok, error?, skipped?, summary?, rounds? }] in run order. */
export function printReport(results, environment) {
  const rows = [['scenario', 'side', 'median', 'p50 ms', 'p99 ms', 'ours/ref']];
  const notes = [];
  for (const { scenario, ok, error, skipped, summary } of results) {
    if (!ok) { rows.push([scenario.name, `FAILED: ${error.split('\n')[0]}`]); continue; }
    if (skipped) { rows.push([scenario.name, `skipped: ${skipped}`]); continue; }
    if (!scenario.run) {
      const { ours, reference } = summary.sides;
      const ratio = summary.ratio.median === null ? '—' : `${summary.ratio.median.toFixed(2)}x`;
      rows.push([scenario.name, `ours ${ours.label}`, format(ours.median, summary.metric), ms(ours.p50Ms), ms(ours.p99Ms), ratio]);
      rows.push(['', `ref  ${reference.label}`, format(reference.median, summary.metric), ms(reference.p50Ms), ms(reference.p99Ms), '']);
      if (scenario.notes) notes.push(...scenario.notes(summary));
    } else {
      rows.push([scenario.name, 'see below']);
      notes.push(`${scenario.name}: ${scenario.title}`, ...(scenario.lines?.({ summary }) ?? []));
    }
  }

  const widths = rows[0].map((_, i) => Math.max(...rows.filter((r) => r.length > 2).map((r) => String(r[i] ?? '').length)));
  const line = (row) => (row.length <= 2 ? `${row[0].padEnd(widths[0])}  ${row[1]}`
    : row.map((cell, i) => (i < 2 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  '));
  console.log('');
  console.log(`Node.js ${environment.node} on ${environment.platform}/${environment.arch}, ${environment.cpus} CPU(s) (${environment.cpuModel ?? 'unknown model'})`);
  console.log(`load: ${environment.generator}${environment.pin ? ', server on CPU 0, load generator on CPU 1' : ', NOT pinned'}; `
    + `${environment.rounds} round(s) × ${environment.seconds} s after ${environment.warmupSeconds} s warm-up; ratio = median of per-round ours/reference`);
  for (const warning of environment.warnings) console.log(`WARNING: ${warning}`);
  console.log(line(rows[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows.slice(1)) console.log(line(row));
  if (notes.length > 0) console.log(`\n${notes.join('\n')}`);
}

/**
 * JSON: { version, startedAt, finishedAt, environment, options,
 *   scenarios: [{ name, title, kind: 'pair' | 'custom', ok, error?, skipped?, summary?, rounds? }] }
 */
export async function writeJson(file, { results, environment, options, startedAt }) {
  const document = {
    version: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    environment,
    options,
    scenarios: results.map(({ scenario, ok, error, skipped, summary, rounds }) => ({
      name: scenario.name,
      title: scenario.title,
      kind: scenario.run ? 'custom' : 'pair',
      ok,
      ...(error !== undefined ? { error } : {}),
      ...(skipped !== undefined ? { skipped } : {}),
      ...(summary !== undefined ? { summary } : {}),
      ...(rounds !== undefined ? { rounds } : {}),
    })),
  };
  await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
}
