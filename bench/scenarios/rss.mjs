// 7. Memory under concurrent large downloads: peak RSS of our server (one
// fresh process per concurrency level and round) with 1, 50 and 200
// connections each downloading the 64 MiB file. Streaming with back-pressure
// should keep the peak nearly flat in the number of downloads; a buffering
// bug shows up as tens of MiB per connection. VmRSS is sampled every 50 ms.
import { readRss, sampleRss } from '../lib/processes.mjs';
import { measure, median } from '../lib/runner.mjs';

const LEVELS = [1, 50, 200];
const MB = (bytes) => (bytes === null || bytes === undefined ? null : bytes / (1024 * 1024));

export const rss = {
  name: 'rss',
  title: 'peak RSS of our server with 1/50/200 concurrent 64 MiB downloads',
  async run(ctx) {
    if (readRss(process.pid) === null) return { skipped: 'no /proc/<pid>/status on this system' };
    const { fixtures } = ctx;
    const side = {
      label: 'serveSignedDownload',
      server: { app: 'signedDownload', config: fixtures.serverConfig },
      plan: { requests: [{ path: await fixtures.signedPath('large'), sha256: fixtures.sha256Of('large') }] },
    };
    const rounds = [];
    for (let round = 1; round <= ctx.rounds; round++) {
      for (const connections of LEVELS) {
        // No warm-up: the peak of a process's first minutes of service is the figure.
        const result = await measure(side, ctx, {
          connections, seconds: ctx.seconds, warmupSeconds: 0, timeoutSeconds: 120,
          during: (server) => sampleRss(server.pid),
        });
        rounds.push({ round, connections, ...result });
        ctx.log(`  round ${round} c=${String(connections).padEnd(3)} peak RSS ${MB(result.sampled.peak).toFixed(1)} MiB (from ${MB(result.sampled.start).toFixed(1)}), ${result.MBps.toFixed(1)} MB/s`);
      }
    }
    const levels = Object.fromEntries(LEVELS.map((connections) => {
      const mine = rounds.filter((r) => r.connections === connections);
      return [connections, {
        peakRssMiB: median(mine.map((r) => MB(r.sampled.peak))),
        idleRssMiB: median(mine.map((r) => MB(r.rssAtStart))), // just started
        startRssMiB: median(mine.map((r) => MB(r.sampled.start))), // after the correctness check's one download
        MBps: median(mine.map((r) => r.MBps)),
      }];
    }));
    return {
      summary: {
        levels,
        peakDifference200vs1MiB: levels[200].peakRssMiB - levels[1].peakRssMiB,
        singleDownloadMBps: levels[1].MBps,
      },
      rounds,
    };
  },
  lines: ({ summary }) => [
    ...LEVELS.map((c) => `  ${String(c).padStart(3)} downloads: peak RSS ${summary.levels[c].peakRssMiB.toFixed(1)} MiB (idle ${summary.levels[c].idleRssMiB.toFixed(1)}, before load ${summary.levels[c].startRssMiB.toFixed(1)}), ${summary.levels[c].MBps.toFixed(1)} MB/s in total`),
    `  peak RSS 200 vs 1: +${summary.peakDifference200vs1MiB.toFixed(1)} MiB; one download alone: ${summary.singleDownloadMBps.toFixed(1)} MB/s`,
  ],
};
