// Archive links (issue 19): throughput against one file of the same bytes,
// memory while streaming 10 GiB (once, and 50 at a time), and the time to
// the first byte of a 10,000-member archive.
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { open, truncate, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { join } from 'node:path';
import { issueArchive } from '../lib/archive-files.mjs';
import { API_KEY, MiB } from '../lib/fixtures.mjs';
import { readRss, sampleRss, startServer } from '../lib/processes.mjs';
import { median } from '../lib/runner.mjs';
import { fetchOnce } from '../lib/verify.mjs';

const GiB = 1024 * MiB;
const toMiB = (bytes) => bytes / MiB;

/** `large.bin` four times over as one 256 MiB file: the bytes of the 4-member archive, as a single file. */
async function concatenated(root) {
  const target = join(root, 'large4.bin');
  const out = await open(target, 'w');
  const hash = createHash('sha256');
  try {
    for (let copy = 0; copy < 4; copy++) {
      for await (const chunk of createReadStream(join(root, 'large.bin'))) {
        hash.update(chunk);
        await out.write(chunk);
      }
    }
  } finally {
    await out.close();
  }
  return hash.digest('hex');
}

/** Issues an archive link on a short-lived server process: the manifest lands in the fixtures, for the measured servers to read. */
async function issuedOnce(ctx, fileIds) {
  const server = await startServer({ app: 'signedArchive', config: ctx.fixtures.serverConfig }, ctx.env);
  try {
    const { path, answer } = await issueArchive(server.origin, API_KEY, fileIds);
    const whole = fileIds.length <= 16 ? await fetchOnce(server.origin, { path }) : undefined;
    return { path, size: answer.size, sha256: whole?.sha256 };
  } finally {
    await server.stop();
  }
}

/** A: 4 × 64 MiB members as one stored ZIP vs the same 256 MiB as one file, both through our signed routes. MB/s. */
export const archiveStream = {
  name: 'archive-stream',
  title: '4 × 64 MiB as one ZIP (serveSignedArchive) vs the same 256 MiB as one file (serveSignedDownload)',
  metric: 'MBps',
  connections: 4,
  timeoutSeconds: 120,
  async prepare(ctx) {
    const { fixtures } = ctx;
    const sha256 = await concatenated(fixtures.root);
    const archive = await issuedOnce(ctx, ['large~1', 'large~2', 'large~3', 'large~4']);
    const config = fixtures.serverConfig;
    return {
      // The server's check pass streams the archive once: the members' CRC-32s are learnt before the measurement.
      ours: { label: 'serveSignedArchive', server: { app: 'signedArchive', config }, plan: { requests: [{ path: archive.path, sha256: archive.sha256 }] } },
      reference: { label: 'serveSignedDownload', server: { app: 'signedDownload', config }, plan: { requests: [{ path: await fixtures.signedPath('large4'), sha256 }] } },
    };
  },
};

/** Streams `path` from `origin`, discarding the bytes; stops after `limit` bytes. Resolves the bytes received. */
function drain(origin, path, limit = Infinity) {
  return new Promise((resolve, reject) => {
    const req = get(origin + path, { agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`archive answered ${res.statusCode}`));
      let received = 0;
      res.on('data', (chunk) => {
        received += chunk.length;
        if (received >= limit) {
          req.destroy();
          resolve(received);
        }
      });
      res.once('end', () => resolve(received));
      res.once('error', (error) => (received >= limit ? resolve(received) : reject(error)));
    });
    req.once('error', reject);
  });
}

const SPARSE = 10;
const CONCURRENT = 50;
/** Each of the 50 concurrent downloads reads this much, then goes away. */
const EACH = 256 * MiB;
const RSS_BOUND_MIB = 16;

/** B: peak RSS over idle while one client streams a 10 GiB archive, and while 50 stream one each. */
export const archiveMemory = {
  name: 'archive-memory',
  title: `peak RSS streaming a 10 GiB archive (${SPARSE} × 1 GiB members), alone and ${CONCURRENT} at once`,
  async run(ctx) {
    if (readRss(process.pid) === null) return { skipped: 'no /proc/<pid>/status on this system' };
    const { fixtures } = ctx;
    // Sparse members: the page cache serves their zeros, so the figure is the server's own memory, not the disk.
    const ids = Array.from({ length: SPARSE }, (_, i) => `sparse${i}`);
    for (const id of ids) {
      await writeFile(join(fixtures.root, `${id}.bin`), '');
      await truncate(join(fixtures.root, `${id}.bin`), GiB);
    }
    const { path, size } = await issuedOnce(ctx, ids);
    const rounds = [];
    for (let round = 1; round <= ctx.rounds; round++) {
      const server = await startServer({ app: 'signedArchive', config: fixtures.serverConfig }, ctx.env);
      try {
        const idle = readRss(server.pid);
        let sampling = sampleRss(server.pid);
        const started = performance.now();
        const received = await drain(server.origin, path);
        const seconds = (performance.now() - started) / 1000;
        const alone = sampling.stop().peak;
        if (received !== size) throw new Error(`archive-memory: received ${received} of ${size} bytes`);
        sampling = sampleRss(server.pid);
        const each = await Promise.all(Array.from({ length: CONCURRENT }, () => drain(server.origin, path, ctx.quick ? 16 * MiB : EACH)));
        const together = sampling.stop().peak;
        rounds.push({ round, idleRss: idle, aloneRss: alone, concurrentRss: together, seconds, concurrentBytes: each.reduce((a, b) => a + b, 0) });
        ctx.log(`  round ${round}: idle ${toMiB(idle).toFixed(1)} MiB; 10 GiB alone +${toMiB(alone - idle).toFixed(1)} MiB (${(size / MiB / seconds).toFixed(0)} MiB/s); ${CONCURRENT} at once +${toMiB(together - idle).toFixed(1)} MiB`);
      } finally {
        await server.stop();
      }
    }
    const over = (field) => rounds.map((r) => toMiB(r[field] - r.idleRss));
    const summary = {
      archiveBytes: size,
      aloneOverIdleMiB: median(over('aloneRss')),
      worstAloneOverIdleMiB: Math.max(...over('aloneRss')),
      concurrentOverIdleMiB: median(over('concurrentRss')),
      worstConcurrentOverIdleMiB: Math.max(...over('concurrentRss')),
      MiBps: median(rounds.map((r) => size / MiB / r.seconds)),
      boundMiB: RSS_BOUND_MIB,
    };
    summary.withinBound = summary.worstAloneOverIdleMiB <= RSS_BOUND_MIB;
    return { summary, rounds };
  },
  lines: ({ summary }) => [
    `  one 10 GiB archive: peak RSS +${summary.aloneOverIdleMiB.toFixed(1)} MiB over idle (worst round +${summary.worstAloneOverIdleMiB.toFixed(1)}; bound +${summary.boundMiB}: ${summary.withinBound ? 'within' : 'OVER'}), ${summary.MiBps.toFixed(0)} MiB/s`,
    `  ${CONCURRENT} at once: peak RSS +${summary.concurrentOverIdleMiB.toFixed(1)} MiB over idle (worst round +${summary.worstConcurrentOverIdleMiB.toFixed(1)})`,
  ],
};

const MEMBERS = 10_000;

/** Milliseconds to the first body byte of `path`, and to the last. */
function timed(origin, path) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let first;
    const req = get(origin + path, { agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`archive answered ${res.statusCode}`));
      res.on('data', () => { first ??= performance.now() - started; });
      res.once('end', () => resolve({ firstMs: first, totalMs: performance.now() - started }));
    });
    req.once('error', reject);
  });
}

/** C: issuing a 10,000-member archive, and the time to its first byte (each member 1 KiB; records state no size, so issuing stats each file). */
export const archiveTtfb = {
  name: 'archive-ttfb',
  title: `a ${MEMBERS.toLocaleString('en')}-member archive: time to issue, to the first byte and to the last`,
  async run(ctx) {
    const { fixtures } = ctx;
    const ids = Array.from({ length: MEMBERS }, (_, i) => `tiny${i}`);
    await Promise.all(ids.map((id, i) => writeFile(join(fixtures.root, `${id}.bin`), Buffer.alloc(1024, i % 256))));
    const rounds = [];
    for (let round = 1; round <= ctx.rounds; round++) {
      const server = await startServer({ app: 'signedArchive', config: fixtures.serverConfig }, ctx.env);
      try {
        const started = performance.now();
        const { path, answer } = await issueArchive(server.origin, API_KEY, ids);
        const issueMs = performance.now() - started;
        const first = await timed(server.origin, path);
        // Again: the members' CRC-32s are now learnt, and the process warm.
        const again = await timed(server.origin, path);
        rounds.push({ round, issueMs, firstByteMs: first.firstMs, totalMs: first.totalMs, againFirstByteMs: again.firstMs, againTotalMs: again.totalMs, size: answer.size });
        ctx.log(`  round ${round}: issue ${issueMs.toFixed(0)} ms; first byte ${first.firstMs.toFixed(0)} ms, whole ${first.totalMs.toFixed(0)} ms; again ${again.firstMs.toFixed(0)} / ${again.totalMs.toFixed(0)} ms`);
      } finally {
        await server.stop();
      }
    }
    const of = (field) => median(rounds.map((r) => r[field]));
    return {
      summary: { members: MEMBERS, archiveBytes: rounds[0].size, issueMs: of('issueMs'), firstByteMs: of('firstByteMs'), totalMs: of('totalMs'), againFirstByteMs: of('againFirstByteMs'), againTotalMs: of('againTotalMs') },
      rounds,
    };
  },
  lines: ({ summary }) => [
    `  ${summary.members.toLocaleString('en')} members (${(summary.archiveBytes / MiB).toFixed(1)} MiB): issue ${summary.issueMs.toFixed(0)} ms; first byte ${summary.firstByteMs.toFixed(0)} ms, last ${summary.totalMs.toFixed(0)} ms; a second download ${summary.againFirstByteMs.toFixed(0)} / ${summary.againTotalMs.toFixed(0)} ms`,
  ],
};
