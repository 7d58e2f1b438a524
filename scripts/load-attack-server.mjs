// The target of scripts/load-attack.mjs, in its own process so that the load
// generator does not share its event loop, memory or descriptor table.
//
//   node --expose-gc scripts/load-attack-server.mjs
//
// Serves three files of known content (1 KiB, 256 KiB, 16 MiB) from a fresh
// temporary directory through the library's real routers, and prints one line
//   LOAD_ATTACK_SERVER_READY {"url":"http://127.0.0.1:<port>", ...}
// once listening. GET /__stats answers with the process's RSS, heap, open
// descriptors, open connections and the routers' event counters
// (`?gc=1` runs a full garbage collection first when started with --expose-gc).
//
// Environment: LOAD_ATTACK_SECRET (HS256 secret, ≥ 32 bytes; random when
// unset), LOAD_ATTACK_API_KEY (default `load-attack-key`).
//
// The module also exports the file set and its content generator, so the load
// generator knows every byte without reading the server's disk.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** id → size in bytes. Stored as `<id>.bin`. */
export const FILES = Object.freeze({
  small: 1024,
  medium: 256 * 1024,
  large: 16 * 1024 * 1024,
});

/**
 * Deterministic, non-repeating content: the AES-128-CTR keystream under a key
 * derived from the id. No period, so a byte served from the wrong offset never
 * matches by accident (a repeating pattern would hide off-by-n range bugs).
 */
export function fileContent(id) {
  const key = createHash('sha256').update(`express-signed-downloads load-attack ${id}`).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(FILES[id])), cipher.final()]);
}

export const READY_MARK = 'LOAD_ATTACK_SERVER_READY';

async function main() {
  const { default: express } = await import('express');
  const { createDownloads, createSigner, fsStorage } = await import('express-signed-downloads');

  const secret = process.env.LOAD_ATTACK_SECRET ?? randomBytes(32).toString('hex');
  const apiKey = process.env.LOAD_ATTACK_API_KEY ?? 'load-attack-key';

  const root = mkdtempSync(join(tmpdir(), 'esd-load-attack-'));
  for (const id of Object.keys(FILES)) writeFileSync(join(root, `${id}.bin`), fileContent(id));
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  process.once('exit', cleanup);

  // What the routers report: served (by status, aborted or not), denied (by code and status), issued.
  const events = { issued: 0, served: {}, servedAborted: 0, denied: {}, deniedStatus: {} };
  const bump = (map, key) => {
    map[key] = (map[key] ?? 0) + 1;
  };

  const downloads = createDownloads({
    storage: fsStorage({ root }),
    signer: createSigner({ secret }),
    findFile: (id) => (Object.hasOwn(FILES, id) ? { id, key: `${id}.bin`, filename: `${id}.bin` } : null),
    authenticate: (req) => (req.get('x-api-key') === apiKey ? { id: 'load-attack' } : null),
    authorize: (_req, _file, principal) => principal?.id === 'load-attack',
    onEvent: (event) => {
      if (event.type === 'issued') events.issued += 1;
      else if (event.type === 'served') {
        bump(events.served, event.status);
        if (event.aborted) events.servedAborted += 1;
      } else if (event.type === 'denied') {
        bump(events.denied, event.error.code);
        bump(events.deniedStatus, event.status);
      }
    },
  });

  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();

  const app = express();
  app.set('etag', false);
  app.get('/__stats', (req, res) => {
    if (req.query.gc === '1' && typeof globalThis.gc === 'function') globalThis.gc();
    // The descriptor that lists /proc/self/fd is itself in the list; it is
    // there in every sample, so differences between samples are exact.
    const fds = readdirSync('/proc/self/fd');
    let fileFds = 0;
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(root)) fileFds += 1;
      } catch {
        // closed between the listing and the readlink
      }
    }
    server.getConnections((error, connections) => {
      const memory = process.memoryUsage();
      res.set('Cache-Control', 'no-store').json({
        pid: process.pid,
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        heapTotal: memory.heapTotal,
        external: memory.external,
        arrayBuffers: memory.arrayBuffers,
        fds: fds.length,
        fileFds,
        // Includes the connection this answer goes out on.
        connections: error ? -1 : connections,
        eventLoopDelayMaxMs: Math.round(loopDelay.max / 1e6),
        eventLoopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1e6),
        events,
        gc: typeof globalThis.gc === 'function' && req.query.gc === '1',
      });
      if (req.query.resetLoop === '1') loopDelay.reset();
    });
  });
  app.use('/files', downloads.issueDownloadUrl(), downloads.serveSignedDownload(), downloads.serveDownload());

  const server = app.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    process.stdout.write(`${READY_MARK} ${JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid, root, files: FILES })}\n`);
  });
  server.on('error', (error) => {
    process.stderr.write(`load-attack-server: ${error.stack}\n`);
    process.exit(1);
  });

  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // The parent went away without stopping us (killed): do not linger.
  process.stdin.on('end', stop);
  process.stdin.resume();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`load-attack-server: ${error.stack ?? error}\n`);
    process.exit(1);
  });
}
