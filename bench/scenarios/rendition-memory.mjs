// Memory under a burst of cold renders (issue 18): 1 and then 50 requests at
// once, each for a different rendition of one 24-megapixel JPEG, so each is
// its own render of the whole photo. Two renders run at a time (concurrency
// 2, this machine's cores) and the queue holds the rest without their
// sources, so the peak should follow the concurrency, not the number of
// requests. The figure is the server's peak RSS over its idle RSS (VmRSS
// sampled every 50 ms), with the default variant store (64 MiB in memory)
// filling as it goes; every answer must be the rendition asked for or the
// documented 503 RENDER_BUSY.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { readRss, sampleRss, startServer } from '../lib/processes.mjs';
import { median } from '../lib/runner.mjs';
import { detailedJpeg } from './renditions.mjs';

const LEVELS = [1, 50];
/** The README's bound for 50 renders at concurrency 2 with glibc's allocator and the default 64 MiB store: peak RSS over idle. */
const BOUND_MIB = 512;
/** Bursts of 50 sent one after the other to one server: a bounded peak stays where the first put it. */
const BURSTS = 2;
const CONCURRENCY = 2;
const MiB = (bytes) => bytes / (1024 * 1024);

/** A 24-megapixel JPEG (6000 × 4000) with detail in every tile, as a phone photo has. */
async function photo24(root) {
  const bytes = await detailedJpeg(6, 4);
  await writeFile(join(root, 'photo24.jpg'), bytes);
  return bytes.length;
}

/** One answer: its status, and for a 200 the width of the image received. */
async function fetchRendition(url) {
  const response = await fetch(url, { headers: { Accept: 'image/webp' } });
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) return { status: response.status, code: JSON.parse(body.toString()).error?.code };
  const { width, format } = await sharp(body).metadata();
  return { status: 200, width, format };
}

export const renditionMemory = {
  name: 'rendition-memory',
  title: 'peak RSS of our server with 1 and 50 concurrent cold renders of a 24 MP photo',
  async run(ctx) {
    if (readRss(process.pid) === null) return { skipped: 'no /proc/<pid>/status on this system' };
    const { fixtures } = ctx;
    const sourceBytes = await photo24(fixtures.root);
    // Widths near the largest side allowed: the JPEG decoder can shrink little on load, the worst case
    // (a quick run renders 500-pixel ones, which cost a fraction of the time).
    const largest = ctx.quick ? 500 : 2500;
    const widths = Array.from({ length: Math.max(...LEVELS) * BURSTS }, (_, i) => largest - i);
    const presets = Object.fromEntries(widths.map((width) => [`w${width}`, { width, format: 'webp', quality: 80 }]));
    const paths = await Promise.all(widths.map((width) => fixtures.signedPath('photo24', 0, `w${width}`)));
    const rounds = [];
    for (let round = 1; round <= ctx.rounds; round++) {
      for (const requests of LEVELS) {
        const server = await startServer({ app: 'signedRendition', config: { ...fixtures.serverConfig, presets, concurrency: CONCURRENCY } }, ctx.env);
        try {
          const idle = readRss(server.pid);
          const peaks = [];
          let seconds = 0;
          let busy = 0;
          for (let burst = 0; burst < (requests === 1 ? 1 : BURSTS); burst++) {
            const sampling = sampleRss(server.pid);
            const started = performance.now();
            const asked = widths.slice(burst * requests, (burst + 1) * requests);
            const answers = await Promise.all(asked.map((width) => fetchRendition(server.origin + paths[widths.indexOf(width)])));
            seconds += (performance.now() - started) / 1000;
            peaks.push(sampling.stop().peak);
            const wrong = answers.filter((answer, i) => !(answer.status === 200 ? answer.width === asked[i] && answer.format === 'webp' : answer.status === 503 && answer.code === 'RENDER_BUSY'));
            if (wrong.length > 0) throw new Error(`rendition-memory: ${wrong.length} answers were neither the rendition nor 503 RENDER_BUSY: ${JSON.stringify(wrong.slice(0, 3))}`);
            busy += answers.filter((answer) => answer.status === 503).length;
          }
          rounds.push({ round, requests, idleRss: idle, peakRss: Math.max(...peaks), burstPeaks: peaks, seconds, busy });
          ctx.log(`  round ${round} ${String(requests).padStart(2)} renders: peak RSS ${peaks.map((peak) => MiB(peak).toFixed(1)).join(' then ')} MiB (idle ${MiB(idle).toFixed(1)}), ${busy} × 503, ${seconds.toFixed(1)} s`);
        } finally {
          await server.stop();
        }
      }
    }
    const levels = Object.fromEntries(LEVELS.map((requests) => {
      const mine = rounds.filter((r) => r.requests === requests);
      const overIdle = mine.map((r) => MiB(r.peakRss - r.idleRss));
      return [requests, {
        peakRssMiB: median(mine.map((r) => MiB(r.peakRss))),
        peakOverIdleMiB: median(overIdle),
        worstPeakOverIdleMiB: Math.max(...overIdle),
        seconds: median(mine.map((r) => r.seconds)),
        busy: Math.max(...mine.map((r) => r.busy)),
        // A second burst into the same process: how much higher than the first it peaked.
        secondBurstRiseMiB: requests === 1 ? null : median(mine.map((r) => MiB(r.burstPeaks[1] - r.burstPeaks[0]))),
      }];
    }));
    const worst = levels[Math.max(...LEVELS)].worstPeakOverIdleMiB;
    return { summary: { sourceMiB: MiB(sourceBytes), largestWidth: largest, concurrency: CONCURRENCY, levels, boundMiB: BOUND_MIB, withinBound: worst <= BOUND_MIB }, rounds };
  },
  lines: ({ summary }) => [...LEVELS.map((requests) => {
    const level = summary.levels[requests];
    const bursts = level.secondBurstRiseMiB === null ? '' : ` (${BURSTS} bursts in one process; the second peaked ${level.secondBurstRiseMiB >= 0 ? '+' : ''}${level.secondBurstRiseMiB.toFixed(1)} MiB from the first)`;
    return `  ${String(requests).padStart(2)} renders${bursts} of a ${summary.sourceMiB.toFixed(1)} MiB 24 MP JPEG to ≤${summary.largestWidth}-px WebP, ${summary.concurrency} at a time: peak RSS ${level.peakRssMiB.toFixed(1)} MiB, +${level.peakOverIdleMiB.toFixed(1)} over idle (worst round +${level.worstPeakOverIdleMiB.toFixed(1)}); ${level.seconds.toFixed(1)} s; ${level.busy} answered 503`;
  }), `  every round within the README's bound of +${summary.boundMiB} MiB over idle: ${summary.withinBound ? 'yes' : 'NO'}`],
};
