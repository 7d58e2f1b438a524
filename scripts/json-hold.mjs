// JSON mode against clients that do not read (security review of 0.4.0).
//
//   npm run build && node scripts/json-hold.mjs [--clients 100] [--early 100] [--json results.json]
//
// Starts scripts/json-hold-server.mjs (a 5 MiB file, JSON mode) in its own
// process, checks one JSON answer in full, takes the server's baseline RSS
// (after GC), then:
//
// 1. hold: `--clients` raw sockets send `Accept: application/json` for the
//    5 MiB file and never read. Once the server has seen every request and
//    has stopped making progress (no read in flight, and reads, bytes
//    pending and events unchanged over 5 polls in a row), its peak RSS over
//    the baseline is the figure. The sockets are then closed.
// 2. early: `--early` sockets send the same request and close ~20 ms later.
//    Once every connection is gone on the server and every request it saw
//    is reported, the counters say how many started reading and how many
//    read (and encoded) the whole file, and how many were reported aborted.
//
// No step waits a fixed time for the server: every wait is for a condition,
// polled, with a timeout (then exit 1). Prints a summary; --json writes it.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    clients: { type: 'string', default: '100' },
    early: { type: 'string', default: '100' },
    json: { type: 'string' },
    timeout: { type: 'string', default: '60' },
  },
});
const clients = Number(options.clients);
const early = Number(options.early);
const timeoutMs = Number(options.timeout) * 1000;
const MiB = 1024 * 1024;
const POLL_MS = 50;
const STABLE_POLLS = 5;

const server = fork(new URL('./json-hold-server.mjs', import.meta.url), [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const stopServer = () => {
  if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
};
process.on('exit', stopServer);

let nextId = 0;
const replies = new Map();
server.on('message', (message) => {
  replies.get(message.id)?.(message);
  replies.delete(message.id);
});
const ask = (command) => new Promise((resolve) => {
  const id = ++nextId;
  replies.set(id, resolve);
  server.send({ id, command });
});

/** Polls the server's stats until `done(stats, previous)` holds; throws after the timeout. */
async function until(what, done) {
  const deadline = Date.now() + timeoutMs;
  let previous;
  for (;;) {
    const stats = await ask('stats');
    if (done(stats, previous)) return stats;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; last stats ${JSON.stringify(stats)}`);
    previous = stats;
    await sleep(POLL_MS);
  }
}

/** Waits until nothing on the server moves any more: the clients are stuck, so is the server. */
async function settled(what) {
  let stable = 0;
  const key = (s) => [s.readCalls, s.pendingBytes, s.headed, s.served, s.open, s.connections].join();
  return until(what, (stats, previous) => {
    stable = previous !== undefined && stats.inFlight === 0 && key(stats) === key(previous) ? stable + 1 : 0;
    return stable >= STABLE_POLLS;
  });
}

const request = 'GET /files/large/download HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n';

/** A socket that sends the JSON request and never reads: paused before any byte arrives. */
function connect(port) {
  const socket = net.connect(port, '127.0.0.1');
  socket.pause();
  socket.on('error', () => undefined);
  socket.setNoDelay(true);
  return socket;
}

function getJson(port, id) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: `/files/${id}/download`, headers: { Accept: 'application/json' }, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, length: Number(res.headers['content-length']), body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

const [{ port }] = await once(server, 'message');
const result = { clients, early, server: {} };
try {
  // A JSON answer in full, as a client would take it (also warms up the code).
  for (const [id, size] of [['large', 5 * MiB], ['small', 1024]]) {
    const answer = await getJson(port, id);
    const body = JSON.parse(answer.body.toString('utf8'));
    if (answer.status !== 200 || answer.length !== answer.body.length || Buffer.from(body.data, 'base64').length !== size || body.size !== size) {
      throw new Error(`the ${id} JSON answer is wrong: status ${answer.status}, Content-Length ${answer.length}, ${answer.body.length} bytes`);
    }
  }
  const before = await ask('baseline');

  // 1. Clients that never read.
  const held = [];
  for (let i = 0; i < clients; i++) held.push(connect(port));
  await Promise.all(held.map((socket) => once(socket, 'connect')));
  for (const socket of held) socket.write(request);
  await until(`the server to see ${clients} requests`, (stats) => stats.seen - before.seen === clients);
  const hold = await settled('the server to settle with clients that do not read');
  result.hold = {
    baselineMiB: hold.baseline / MiB,
    peakMiB: hold.peak / MiB,
    peakGrowthMiB: (hold.peak - hold.baseline) / MiB,
    rssGrowthMiB: (hold.rss - hold.baseline) / MiB,
    heapTotalMiB: hold.heapTotal / MiB,
    baselineHeapTotalMiB: before.heapTotal / MiB,
    bytesReadMiB: (hold.bytesRead - before.bytesRead) / MiB,
    externalMiB: hold.external / MiB,
    pendingMiB: hold.pendingBytes / MiB,
    readsStarted: hold.readsStarted - before.readsStarted,
    fullyRead: hold.fullyRead - before.fullyRead,
    headed: hold.headed,
    served: hold.served - before.served,
  };
  for (const socket of held) socket.destroy();
  const afterHold = await until('the held connections to close', (stats) => stats.open === 0 && stats.connections === 0 && stats.inFlight === 0 && stats.served - before.served === stats.seen - before.seen);
  result.hold.servedAborted = afterHold.servedAborted - before.servedAborted;

  // 2. Clients that leave ~20 ms after asking.
  const leaving = [];
  for (let i = 0; i < early; i++) leaving.push(connect(port));
  await Promise.all(leaving.map((socket) => once(socket, 'connect')));
  const closed = leaving.map((socket) => once(socket, 'close'));
  for (const socket of leaving) {
    socket.write(request);
    setTimeout(() => socket.destroy(), 20);
  }
  await Promise.all(closed);
  const afterEarly = await until('the early-closed requests to be reported', (stats) =>
    stats.open === 0 && stats.connections === 0 && stats.inFlight === 0 && stats.served - afterHold.served === stats.seen - afterHold.seen);
  result.early = {
    seen: afterEarly.seen - afterHold.seen,
    readsStarted: afterEarly.readsStarted - afterHold.readsStarted,
    fullyRead: afterEarly.fullyRead - afterHold.fullyRead,
    served: afterEarly.served - afterHold.served,
    servedAborted: afterEarly.servedAborted - afterHold.servedAborted,
    bytesReadMiB: (afterEarly.bytesRead - afterHold.bytesRead) / MiB,
  };
  result.server = { denied: afterEarly.denied };
  result.pass = true;
} catch (error) {
  result.pass = false;
  result.error = error.message;
}
stopServer();
console.log(JSON.stringify(result, null, 2));
if (options.json) writeFileSync(options.json, JSON.stringify(result, null, 2));
process.exit(result.pass ? 0 : 1);
