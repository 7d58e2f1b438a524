// 11. Small downloads while clients hold JSON answers they never read
// (security review of 0.4.0: 100 such clients of a 5 MB file took small
// downloads from 2–5 ms to 207 ms). One server process per run, JSON mode on;
// after the warm-up, 100 raw sockets ask for the 5 MiB file as JSON and never
// read, and the 1 KiB downloads are measured right away, while the server
// deals with them. References: the same server with 100 clients holding the
// same file as bytes (the kernel's socket buffers take a few MiB of each
// answer in both modes: the work that costs), and with no such clients.
// Rounds rotate which goes first. Latency is the figure; nothing fails
// because of it.
import net from 'node:net';
import { once } from 'node:events';
import { checkRun, load } from '../lib/load.mjs';
import { startServer } from '../lib/processes.mjs';
import { median } from '../lib/runner.mjs';
import { verifySide } from '../lib/verify.mjs';

const HOLDERS = 100;
/** What the 100 clients hold: the file as JSON, as bytes, or nothing. */
const MODES = ['json', 'bytes', 'idle'];
const CONNECTIONS = 10;

/**
 * Opens `count` sockets that send the request and never read; resolves once
 * each has the first bytes of its answer waiting (unread), so the burst of
 * the server starting 100 answers is over before anything is measured, on a
 * fast machine or a busy one.
 */
async function hold(origin, path, count, accept) {
  const { hostname, port } = new URL(origin);
  const sockets = [];
  for (let i = 0; i < count; i++) {
    const socket = net.connect(Number(port), hostname);
    socket.pause();
    socket.on('error', () => undefined);
    sockets.push(socket);
  }
  await Promise.all(sockets.map((socket) => once(socket, 'connect')));
  const answered = sockets.map((socket) => once(socket, 'readable'));
  await Promise.all(sockets.map((socket) => new Promise((resolve) => socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nAccept: ${accept}\r\n\r\n`, resolve))));
  await Promise.all(answered);
  return sockets;
}

export const jsonHeld = {
  name: 'json-held',
  title: `1 KiB downloads while ${HOLDERS} clients hold unread 5 MiB JSON answers, vs bytes answers, vs none`,
  async run(ctx) {
    const { fixtures } = ctx;
    const side = {
      label: 'serveSignedDownload (json mode)',
      server: { app: 'signedDownloadJson', config: fixtures.serverConfig },
      plan: { requests: [{ path: await fixtures.signedPath('small'), sha256: fixtures.sha256Of('small') }] },
    };
    const jsonPath = await fixtures.signedPath('medium');
    const rounds = [];
    for (let round = 1; round <= ctx.rounds; round++) {
      for (let i = 0; i < MODES.length; i++) {
        const mode = MODES[(round - 1 + i) % MODES.length];
        const server = await startServer(side.server, ctx.env);
        let holders = [];
        try {
          const verified = await verifySide(server.origin, side);
          const run = { origin: server.origin, connections: CONNECTIONS, timeoutSeconds: 10, responseBytes: verified.responseBytes };
          await load(ctx.env, { ...run, plan: side.plan, seconds: ctx.warmupSeconds });
          if (mode !== 'idle') holders = await hold(server.origin, jsonPath, HOLDERS, mode === 'json' ? 'application/json' : '*/*');
          const result = await load(ctx.env, { ...run, plan: side.plan, seconds: ctx.seconds });
          checkRun(result, { responseBytes: verified.responseBytes, connections: CONNECTIONS });
          rounds.push({ round, mode, ...result });
          ctx.log(`  round ${round} ${mode.padEnd(5)}  ${Math.round(result.rps)} req/s  p50 ${result.p50Ms?.toFixed(2)} ms  p99 ${result.p99Ms?.toFixed(2)} ms`);
        } finally {
          for (const socket of holders) socket.destroy();
          await server.stop();
        }
      }
    }
    const of = (mode) => rounds.filter((r) => r.mode === mode);
    const figures = (mode) => ({
      rps: median(of(mode).map((r) => r.rps)),
      p50Ms: median(of(mode).map((r) => r.p50Ms)),
      p99Ms: median(of(mode).map((r) => r.p99Ms)),
    });
    return {
      summary: {
        holders: HOLDERS,
        connections: CONNECTIONS,
        json: figures('json'),
        bytes: figures('bytes'),
        idle: figures('idle'),
        p99RatioJsonIdle: median(of('json').map((r) => r.p99Ms / of('idle').find((idle) => idle.round === r.round).p99Ms)),
      },
      rounds,
    };
  },
  lines: ({ summary }) => [
    ...[['json', `${summary.holders} clients holding JSON`], ['bytes', `${summary.holders} clients holding bytes`], ['idle', 'no such clients']].map(([mode, label]) =>
      `  ${label.padEnd(27)} ${Math.round(summary[mode].rps)} req/s, p50 ${summary[mode].p50Ms.toFixed(2)} ms, p99 ${summary[mode].p99Ms.toFixed(2)} ms`),
    `  p99 JSON-held / idle (median of rounds): ${summary.p99RatioJsonIdle.toFixed(2)}x (${summary.connections} connections of 1 KiB downloads)`,
  ],
};
