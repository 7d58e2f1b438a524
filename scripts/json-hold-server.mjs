// The target of scripts/json-hold.mjs: a server process of its own (its RSS
// is its own) serving a 5 MiB file and a 1 KiB file through serveDownload in
// JSON mode, from a fresh temporary directory. Started with fork() and
// `--expose-gc`; it talks over the IPC channel only:
//
//   → { type: 'ready', port }                      once listening
//   ← { id, command: 'baseline' }  → { id, ... }   full GC, then the peak restarts from the RSS now
//   ← { id, command: 'stats' }     → { id, ... }   RSS now and at its peak, counters, connections
//
// The RSS is sampled every 5 ms from inside the process, so the peak is its
// own highest point, whatever the load generator does. The storage is
// fsStorage with its positional reads counted per request: how many requests
// started reading the large file, how many read all of it, reads in flight.
//
// JSON_HOLD_PACKAGE: module to import instead of the built package (e.g. an
// older dist/index.mjs, to measure a former release).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** id → size in bytes, stored as `<id>.bin`. */
export const FILES = Object.freeze({ large: 5 * 1024 * 1024, small: 1024 });
/** What JSON mode may send: the large file fits. */
export const MAX_BYTES = 6 * 1024 * 1024;

const { default: express } = await import('express');
const { fsStorage, serveDownload } = await import(process.env.JSON_HOLD_PACKAGE ?? 'express-signed-downloads');

const root = mkdtempSync(join(tmpdir(), 'esd-json-hold-'));
process.once('exit', () => rmSync(root, { recursive: true, force: true }));
for (const [id, size] of Object.entries(FILES)) writeFileSync(join(root, `${id}.bin`), randomBytes(size));

const counters = {
  /** JSON requests for the large file that reached the router. */
  seen: 0,
  /** …that read at least one byte of it / all of it. */
  readsStarted: 0,
  fullyRead: 0,
  readCalls: 0,
  bytesRead: 0,
  /** Opens and reads not yet called back. */
  inFlight: 0,
  served: 0,
  servedAborted: 0,
  denied: 0,
};

const files = fsStorage({ root });
const storage = {
  ...files,
  async open(key, options) {
    counters.inFlight += 1;
    let object;
    try {
      object = await files.open(key, options);
    } finally {
      counters.inFlight -= 1;
    }
    if (object === null || object.readAt === undefined || key !== 'large.bin') return object;
    const readAt = object.readAt;
    let got = -1;
    return {
      ...object,
      readAt(buffer, offset, length, position, callback) {
        if (got === -1) {
          got = 0;
          counters.readsStarted += 1;
        }
        counters.readCalls += 1;
        counters.inFlight += 1;
        readAt(buffer, offset, length, position, (error, bytes) => {
          counters.inFlight -= 1;
          got += bytes;
          counters.bytesRead += bytes;
          if (got === FILES.large) counters.fullyRead += 1;
          callback(error, bytes);
        });
      },
    };
  },
};

/** Responses to the large file still open. */
const open = new Set();

const app = express();
app.use('/files/large', (req, res, next) => {
  counters.seen += 1;
  open.add(res);
  res.once('close', () => open.delete(res));
  next();
});
app.use('/files', serveDownload({
  storage,
  findFile: (id) => (Object.hasOwn(FILES, id) ? { id, key: `${id}.bin`, filename: `${id}.bin` } : null),
  authorize: () => true,
  json: { maxBytes: MAX_BYTES },
  onEvent: (event) => {
    if (event.type === 'served' && event.fileId === 'large') {
      counters.served += 1;
      if (event.aborted) counters.servedAborted += 1;
    } else if (event.type === 'denied' || event.type === 'failed') counters.denied += 1;
  },
}));

let baseline = process.memoryUsage.rss();
let peak = baseline;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage.rss());
};
setInterval(sample, 5).unref();

const server = app.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port, pid: process.pid }));

process.on('message', ({ id, command }) => {
  if (command === 'baseline') {
    globalThis.gc?.();
    globalThis.gc?.();
    baseline = process.memoryUsage.rss();
    peak = baseline;
  }
  sample();
  server.getConnections((error, connections) => {
    let pendingBytes = 0;
    let headed = 0;
    for (const res of open) {
      pendingBytes += res.socket?.writableLength ?? 0;
      if (res.headersSent) headed += 1;
    }
    const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
    process.send({
      id,
      rss,
      heapTotal,
      heapUsed,
      external,
      arrayBuffers,
      peak,
      baseline,
      connections: error ? -1 : connections,
      open: open.size,
      headed,
      pendingBytes,
      ...counters,
    });
  });
});
// The parent went away: do not linger.
process.on('disconnect', () => process.exit(0));
