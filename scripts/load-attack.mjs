// A bounded mixed-load attack on the library's routers, with every byte checked.
//
//   npm run build && node scripts/load-attack.mjs [--quick] [--duration 60] [--clients 300]
//                                                  [--json results.json] [--seed 42]
//                                                  [--only kind,…] [--exclude kind,…]
//
// Starts scripts/load-attack-server.mjs (Express 5, fsStorage over 1 KiB,
// 256 KiB and 16 MiB files of known content, issueDownloadUrl +
// serveSignedDownload + serveDownload) in a child process and drives it from
// this one with `--clients` concurrent closed-loop clients on keep-alive
// node:http agents (autocannon cannot check bodies). Each client picks a kind
// of request at random (weights below), checks status, headers and every body
// byte, and starts the next one, until `--duration` seconds have passed.
//
// Kinds: issue (authenticated signed-URL issue), full (signed download, sha256
// of the body), direct (authenticated serveDownload), range (206 slices,
// Content-Range, 416, combined and multiple ranges), forged / tampered /
// expired tokens (401, one body for all), abort (hang up after the first body
// chunk), abort-early (hang up right after sending the request, before the
// answer), slow (reads with pauses: back-pressure), head, conditional (304,
// 412, If-Range).
//
// The server's RSS, heap, open descriptors and connections are read from its
// GET /__stats before (after a warm-up, idle, after GC), every 500 ms during
// the run (peak), and after (agents closed, descriptors and connections given
// up to --settle-timeout seconds to return, then GC). Exits 1 when any answer
// was 5xx, any body byte was wrong, any status or header was not the expected
// one, a request hung, descriptors or connections did not return to the
// baseline (+2 descriptors, +1 connection; none may stay open on a served
// file), the RSS after settling exceeds the baseline by more than the bound
// (see rssBoundMiB below) or the heap by more than 8 MiB; 2 on a usage or
// start-up error.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createSigner } from 'express-signed-downloads';
import { FILES, READY_MARK, fileContent } from './load-attack-server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const MiB = 1024 * 1024;

// ---------------------------------------------------------------- options

let options;
try {
  ({ values: options } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      clients: { type: 'string' },
      json: { type: 'string' },
      seed: { type: 'string' },
      only: { type: 'string' },
      exclude: { type: 'string' },
      'settle-timeout': { type: 'string' },
      'rss-bound-mb': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }));
} catch (error) {
  console.error(`load-attack: ${error.message}`);
  process.exit(2);
}
if (options.help) {
  console.log(usage());
  process.exit(0);
}

const quick = options.quick;
const durationSeconds = numberOption('duration', quick ? 5 : 60);
const clients = numberOption('clients', quick ? 50 : 300);
const settleTimeoutSeconds = numberOption('settle-timeout', quick ? 5 : 10);
const seed = numberOption('seed', randomBytes(4).readUInt32LE(0));

/**
 * RSS bound after settling, in MiB above the idle, post-GC baseline.
 * Memory the server legitimately keeps after a burst, without leaking:
 *  - V8's young generation grows to its ceiling under allocation pressure (two
 *    16 MiB semi-spaces on 64-bit Node 20) and stays committed for a while
 *    after the load: up to 32 MiB of RSS that a GC does not give back
 *    (heapTotal shows it);
 *  - glibc keeps freed buffers in its free lists: at most the peak buffering,
 *    which is bounded by concurrency — per connection one 64 KiB fs read chunk
 *    plus at most one more queued in the socket (≈ 128 KiB);
 *  - 16 MiB for compiled code, inline caches and fragmentation;
 *  - the transfer buffer pool, which keeps up to the memory budget (8 MiB by
 *    default) of buffers for the next downloads, by design.
 * So 56 + clients × 0.125 MiB: 93.5 MiB at 300 clients, 62.25 MiB at 50.
 * Measured on the 2-core machine: +14 to +33 MiB (50 clients), +49 MiB (300).
 * A leak grows with the request count instead: on the 60 s run (~13,000
 * requests) anything above ~6.5 KiB per request fails this check; a JS-side
 * leak fails the tighter heap check (+8 MiB after GC: ~0.6 KiB per request),
 * and a descriptor leak fails the descriptor checks at the first descriptor.
 */
const rssBoundMiB = numberOption('rss-bound-mb', 56 + clients * 0.125);
const HEAP_BOUND_MIB = 8;
const FD_TOLERANCE = 2;
const CONNECTION_TOLERANCE = 1;
const REQUEST_TIMEOUT_MS = 30_000;
const GRACE_MS = 30_000;

function numberOption(name, fallback) {
  const raw = options[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`load-attack: --${name} must be a positive number, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

function usage() {
  return `Usage: node scripts/load-attack.mjs [--quick] [--duration s] [--clients n] [--json file] [--seed n] [--only k,…] [--exclude k,…] [--settle-timeout s] [--rss-bound-mb n]`;
}

// ---------------------------------------------------------------- randomness

/** mulberry32: a seeded generator, so a run's mix can be replayed with --seed. */
function generator(state) {
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = generator(seed);
const int = (min, max) => min + Math.floor(random() * (max - min + 1)); // inclusive
const pick = (list) => list[Math.floor(random() * list.length)];
function weighted(entries) {
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [value, weight] of entries) {
    roll -= weight;
    if (roll < 0) return value;
  }
  return entries[entries.length - 1][0];
}

// ---------------------------------------------------------------- expected content

const expected = {};
for (const [id, size] of Object.entries(FILES)) {
  const data = fileContent(id);
  if (data.length !== size) throw new Error(`content generator gave ${data.length} bytes for ${id}`);
  expected[id] = { id, size, data, sha256: createHash('sha256').update(data).digest('hex') };
}
const IDS = Object.keys(FILES);

// ---------------------------------------------------------------- server process

const secret = randomBytes(32).toString('hex');
const apiKey = `load-attack-${randomBytes(8).toString('hex')}`;
let base; // http://127.0.0.1:port
let serverProcess;
let serverStderr = '';

async function startServer() {
  serverProcess = spawn(process.execPath, ['--expose-gc', resolve(here, 'load-attack-server.mjs')], {
    cwd: resolve(here, '..'),
    env: { ...process.env, NODE_ENV: 'production', LOAD_ATTACK_SECRET: secret, LOAD_ATTACK_API_KEY: apiKey },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  serverProcess.stderr.on('data', (chunk) => {
    serverStderr += chunk;
    if (serverStderr.length > 64 * 1024) serverStderr = serverStderr.slice(-64 * 1024);
  });
  let stdout = '';
  const info = await new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start in 30 s:\n${stdout}${serverStderr}`)), 30_000);
    serverProcess.once('exit', (code, signal) => fail(new Error(`server exited (${code ?? signal}) before it was ready:\n${stdout}${serverStderr}`)));
    serverProcess.stdout.on('data', (chunk) => {
      stdout += chunk;
      const line = stdout.split('\n').find((candidate) => candidate.startsWith(READY_MARK));
      if (line !== undefined) {
        clearTimeout(timer);
        done(JSON.parse(line.slice(READY_MARK.length)));
      }
    });
  });
  serverProcess.removeAllListeners('exit');
  serverProcess.once('exit', (code, signal) => {
    if (!stopping) serverDied = `server exited during the run (${code ?? signal})`;
  });
  base = info.url;
  return info;
}
let stopping = false;
let serverDied;

async function stopServer() {
  stopping = true;
  if (serverProcess === undefined) return;
  if (serverProcess.exitCode !== null || serverProcess.signalCode !== null) {
    serverProcess.stdin.destroy();
    return;
  }
  const exited = once(serverProcess, 'exit');
  serverProcess.kill('SIGTERM');
  const timer = setTimeout(() => serverProcess.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
  serverProcess.stdin.destroy();
}

/** The server's own figures, on a connection of its own (agent: false closes it after the answer). */
function serverStats({ gc = false } = {}) {
  return new Promise((done, fail) => {
    const req = http.get(`${base}/__stats${gc ? '?gc=1' : ''}`, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        try {
          done(JSON.parse(text));
        } catch (error) {
          fail(error);
        }
      });
    });
    req.setTimeout(15_000, () => req.destroy(new Error('stats timed out')));
    req.on('error', fail);
  });
}

// ---------------------------------------------------------------- HTTP exchange

let agent;
const newAgent = () => new http.Agent({ keepAlive: true, maxSockets: clients + 8, maxFreeSockets: clients + 8, scheduling: 'lifo' });
const inFlight = new Set();
let retries = 0;

/**
 * One request. `body` decides what happens to the response body:
 *   { collect: true }                    keep it (small bodies: JSON, errors)
 *   { check }                            feed a byte checker
 *   { check, abortAfterFirstChunk: true} check the first chunk, then hang up
 *   { check, pauseEvery, pauseMs }       read with pauses (slow reader)
 * `abortEarly`: hang up once the request is written, before any answer
 * (`delayMs` later). Resolves { status, headers, bytes, body?, aborted };
 * rejects on a transport error nobody asked for.
 */
function exchange({ method = 'GET', path, headers = {}, body = { collect: true }, abortEarly, retry = true }) {
  return new Promise((done, fail) => {
    let settled = false;
    let responded = false;
    let result;
    const finish = (value, error) => {
      if (settled) return;
      settled = true;
      inFlight.delete(req);
      if (error) fail(error);
      else done(value);
    };
    const req = http.request(`${base}${path}`, { method, headers, agent });
    inFlight.add(req);
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(Object.assign(new Error(`no progress for ${REQUEST_TIMEOUT_MS} ms`), { code: 'TIMEOUT' })));
    req.on('error', (error) => {
      // Our own hang-up: whatever arrived before it is the answer.
      if (abortEarly) return finish({ ...(result ?? { status: 0, headers: {}, bytes: 0 }), aborted: true });
      // A keep-alive socket the server closed just as we reused it: Node's documented race; retry once.
      if (retry && !responded && req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
        retries += 1;
        settled = true;
        inFlight.delete(req);
        exchange({ method, path, headers, body, abortEarly, retry: false }).then(done, fail);
        return;
      }
      finish(undefined, error);
    });
    if (abortEarly) {
      req.once('finish', () => {
        if (abortEarly.delayMs === 0) req.destroy();
        else setTimeout(() => req.destroy(), abortEarly.delayMs);
      });
    }
    req.on('response', (res) => {
      responded = true;
      result = { status: res.statusCode, headers: res.headers, bytes: 0, aborted: false };
      const chunks = [];
      let sincePause = 0;
      res.on('data', (chunk) => {
        result.bytes += chunk.length;
        if (body.collect) {
          if (result.bytes <= 1 * MiB) chunks.push(chunk);
          return;
        }
        body.check?.push(chunk);
        if (body.abortAfterFirstChunk) {
          result.aborted = true;
          req.destroy();
          finish(result);
          return;
        }
        if (body.pauseEvery !== undefined) {
          sincePause += chunk.length;
          if (sincePause >= body.pauseEvery) {
            sincePause = 0;
            res.pause();
            setTimeout(() => res.resume(), body.pauseMs());
          }
        }
      });
      res.on('end', () => {
        if (body.collect) result.body = Buffer.concat(chunks);
        finish(result);
      });
      const broken = (error) => (abortEarly ? finish({ ...result, aborted: true }) : finish(undefined, error));
      res.on('error', broken);
      res.on('aborted', () => broken(Object.assign(new Error('response body cut off by the server'), { code: 'ABORTED' })));
    });
    req.end();
  });
}

// ---------------------------------------------------------------- checks

/** Compares a body with expected bytes as it arrives; optionally also its sha256. */
class ByteCheck {
  constructor(file, start, length, { sha256 } = {}) {
    this.file = file;
    this.start = start;
    this.length = length;
    this.offset = 0;
    this.firstBad = undefined;
    this.hash = sha256 ? createHash('sha256') : undefined;
    this.wantHash = sha256;
  }

  push(chunk) {
    if (this.hash) this.hash.update(chunk);
    if (this.firstBad === undefined) {
      const from = this.start + this.offset;
      const want = this.file.data.subarray(from, Math.min(from + chunk.length, this.start + this.length));
      if (want.length !== chunk.length || !chunk.equals(want)) {
        let at = 0;
        while (at < want.length && chunk[at] === want[at]) at += 1;
        this.firstBad = this.offset + at;
      }
    }
    this.offset += chunk.length;
  }

  /** Undefined when every byte was right (and, for a complete body, all were there). */
  problem({ complete }) {
    if (this.firstBad !== undefined) return `wrong byte at body offset ${this.firstBad} (file ${this.file.id}, file offset ${this.start + this.firstBad})`;
    if (complete && this.offset !== this.length) return `body has ${this.offset} bytes, expected ${this.length}`;
    if (complete && this.hash) {
      const got = this.hash.digest('hex');
      if (got !== this.wantHash) return `sha256 ${got.slice(0, 16)}… ≠ ${this.wantHash.slice(0, 16)}…`;
    }
    return undefined;
  }
}

/** A finished request's verdict: `ok`, or why not, and whether the bytes were at fault. */
class Verdict {
  constructor(response) {
    this.response = response;
    this.problems = [];
    this.wrongBytes = false;
  }

  status(...allowed) {
    if (!allowed.includes(this.response.status)) this.problems.push(`status ${this.response.status}, expected ${allowed.join('/')}`);
    return this;
  }

  header(name, value) {
    const got = this.response.headers[name.toLowerCase()];
    if (got !== (value === undefined ? undefined : String(value))) this.problems.push(`${name}: ${JSON.stringify(got)}, expected ${JSON.stringify(value)}`);
    return this;
  }

  bytes(check, complete = true) {
    // An answer with another status already failed; its body is not the file's bytes.
    if (this.response.status !== 200 && this.response.status !== 206) return this;
    const problem = check.problem({ complete });
    if (problem !== undefined) {
      this.problems.push(problem);
      // A length or sha mismatch on a complete body is wrong bytes too: a short or padded file.
      this.wrongBytes = true;
    }
    return this;
  }

  noBody() {
    if (this.response.bytes !== 0) {
      this.problems.push(`${this.response.bytes} body bytes where none were due`);
      this.wrongBytes = true;
    }
    return this;
  }

  add(problem) {
    if (problem) this.problems.push(problem);
    return this;
  }
}

// ---------------------------------------------------------------- state shared by the clients

/** file id → the latest signed URL issued for it. */
const signed = {};
/** file id → { etag, lastModified } learnt in the warm-up. */
const validators = {};
/** file id → expired tokens signed with the server's own secret (bound to the right path). */
const expiredTokens = {};
/** file id → tokens signed with another secret but otherwise perfect. */
const foreignSecretTokens = {};
/** The one body every TOKEN_INVALID answer must have (no oracle). */
let tokenInvalidBody;

const contentPath = (id) => `/files/${id}/content`;
const withToken = (id, token, expires) => `${contentPath(id)}?token=${encodeURIComponent(token)}&expires=${expires}`;
const signedPath = (id) => withToken(id, signed[id].token, signed[id].expires);
const keyHeaders = (extra = {}) => ({ 'X-API-Key': apiKey, ...extra });

function fullCheck(verdict, response, file, check) {
  return verdict.status(200).header('Content-Length', file.size).header('Content-Range', undefined).bytes(check);
}

function checkTokenInvalid(response) {
  const verdict = new Verdict(response).status(401);
  const text = response.body?.toString('utf8') ?? '';
  if (tokenInvalidBody === undefined && response.status === 401) {
    tokenInvalidBody = text;
    if (!text.includes('"TOKEN_INVALID"')) verdict.add(`401 body is not TOKEN_INVALID: ${text.slice(0, 200)}`);
  } else if (text !== tokenInvalidBody) {
    verdict.add(`401 body differs from the first TOKEN_INVALID body (an oracle): ${text.slice(0, 200)}`);
  }
  return verdict;
}

/** Range header → the answer RFC 9110 and the README promise, computed independently of the library. */
function expectedRange(size, header) {
  const specs = header.replace(/^bytes=/, '').split(',').map((spec) => spec.trim());
  const ranges = [];
  for (const spec of specs) {
    const [first, last] = spec.split('-');
    let start;
    let end;
    if (first === '') {
      const suffix = Number(last);
      if (suffix === 0) continue;
      start = Math.max(0, size - suffix);
      end = size - 1;
    } else {
      start = Number(first);
      end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
      if (start >= size) continue;
    }
    ranges.push({ start, end });
  }
  if (ranges.length === 0) return { status: 416, contentRange: `bytes */${size}` };
  ranges.sort((a, b) => a.start - b.start);
  const merged = [ranges[0]];
  for (const range of ranges.slice(1)) {
    const last = merged[merged.length - 1];
    if (range.start <= last.end + 1) last.end = Math.max(last.end, range.end);
    else merged.push({ ...range });
  }
  if (merged.length > 1) return { status: 200, start: 0, end: size - 1 };
  return { status: 206, ...merged[0], contentRange: `bytes ${merged[0].start}-${merged[0].end}/${size}` };
}

function rangeHeaderFor(file, variant) {
  const { size } = file;
  const cap = Math.min(size, MiB);
  switch (variant) {
    case 'closed': {
      const start = int(0, size - 1);
      return `bytes=${start}-${start + int(0, Math.min(size - 1 - start, cap - 1))}`;
    }
    case 'open-end':
      return `bytes=${int(size - cap, size - 1)}-`;
    case 'suffix':
      // Sometimes longer than the file (small and medium): RFC 9110 §14.1.2 wants all of it, as 206.
      return `bytes=-${size <= 256 * 1024 && random() < 0.3 ? size + int(1, size) : int(1, cap)}`;
    case 'past-end': {
      const start = int(Math.max(0, size - cap), size - 1);
      return `bytes=${start}-${size + int(0, 10_000)}`;
    }
    case 'unsatisfiable':
      return random() < 0.5 ? `bytes=${size}-` : `bytes=${size + int(0, 1000)}-${size + 2000}`;
    case 'overlapping': {
      const start = int(0, size - 200);
      return `bytes=${start}-${start + 99}, ${start + 50}-${start + 199}`;
    }
    case 'multiple':
      return `bytes=0-9, ${size - 10}-${size - 1}`;
    default:
      throw new Error(variant);
  }
}

// ---------------------------------------------------------------- kinds

/**
 * Each kind returns { variant, verdict } or { variant, verdict: null } when
 * nothing could be checked (an early hang-up that got no answer is fine).
 */
const KINDS = {
  issue: {
    weight: 4,
    async run() {
      const id = pick(IDS);
      const variant = pick(['default', 'expires_in', 'attachment']);
      const query = variant === 'expires_in' ? `?expires_in=${int(600, 7200)}` : variant === 'attachment' ? '?disposition=attachment' : '';
      const response = await exchange({ path: `/files/${id}/download-url${query}`, headers: keyHeaders() });
      const verdict = new Verdict(response).status(200).header('Cache-Control', 'no-store');
      if (response.status === 200) {
        const issued = JSON.parse(response.body.toString('utf8'));
        const url = new URL(issued.download_url);
        if (url.origin !== base || url.pathname !== contentPath(id) || url.searchParams.get('token') !== issued.token || Number(url.searchParams.get('expires')) !== issued.expires) {
          verdict.add(`issued URL does not match: ${issued.download_url}`);
        } else if (variant !== 'attachment') {
          // Later signed downloads use the freshest URL (an attachment one would change the disposition).
          signed[id] = { token: issued.token, expires: issued.expires };
        }
      }
      return { variant, verdict };
    },
  },

  full: {
    weight: 22,
    async run() {
      const file = expected[weighted([['small', 60], ['medium', 35], ['large', 5]])];
      const check = new ByteCheck(file, 0, file.size, { sha256: file.sha256 });
      const response = await exchange({ path: signedPath(file.id), body: { check } });
      const verdict = fullCheck(new Verdict(response), response, file, check).header('Referrer-Policy', 'no-referrer');
      return { variant: file.id, verdict };
    },
  },

  direct: {
    weight: 8,
    async run() {
      const file = expected[weighted([['small', 60], ['medium', 35], ['large', 5]])];
      const check = new ByteCheck(file, 0, file.size, { sha256: file.sha256 });
      const response = await exchange({ path: `/files/${file.id}/download`, headers: keyHeaders(), body: { check } });
      return { variant: file.id, verdict: fullCheck(new Verdict(response), response, file, check).header('Cache-Control', 'private, no-cache') };
    },
  },

  range: {
    weight: 16,
    async run() {
      const file = expected[weighted([['small', 20], ['medium', 40], ['large', 40]])];
      const variant = weighted([['closed', 40], ['open-end', 12], ['suffix', 12], ['past-end', 10], ['unsatisfiable', 10], ['overlapping', 8], ['multiple', 8]]);
      const header = rangeHeaderFor(file, variant);
      const want = expectedRange(file.size, header);
      const direct = random() < 0.25;
      const path = direct ? `/files/${file.id}/download` : signedPath(file.id);
      const headers = direct ? keyHeaders({ Range: header }) : { Range: header };
      if (want.status === 416) {
        const response = await exchange({ path, headers });
        return { variant, verdict: new Verdict(response).status(416).header('Content-Range', want.contentRange) };
      }
      const check = new ByteCheck(file, want.start, want.end - want.start + 1);
      const response = await exchange({ path, headers, body: { check } });
      const verdict = new Verdict(response).status(want.status).header('Content-Range', want.contentRange).header('Content-Length', want.end - want.start + 1).bytes(check);
      return { variant, verdict };
    },
  },

  forged: {
    weight: 7,
    async run() {
      const id = pick(IDS);
      const other = pick(IDS.filter((candidate) => candidate !== id));
      const variant = pick(['missing-token', 'garbage', 'other-secret', 'alg-none', 'other-file', 'oversized', 'no-api-key', 'wrong-api-key']);
      if (variant === 'no-api-key' || variant === 'wrong-api-key') {
        const headers = variant === 'wrong-api-key' ? { 'X-API-Key': `${apiKey}x` } : {};
        const path = random() < 0.5 ? `/files/${id}/download` : `/files/${id}/download-url`;
        const response = await exchange({ path, headers });
        const verdict = new Verdict(response).status(401);
        if (!response.body.toString('utf8').includes('"UNAUTHENTICATED"')) verdict.add('401 without UNAUTHENTICATED');
        return { variant, verdict };
      }
      const { token, expires } = signed[id];
      let path;
      switch (variant) {
        case 'missing-token':
          path = `${contentPath(id)}?expires=${expires}`;
          break;
        case 'garbage':
          path = withToken(id, `${randomBytes(12).toString('base64url')}.${randomBytes(30).toString('base64url')}.${randomBytes(32).toString('base64url')}`, expires);
          break;
        case 'other-secret': {
          const forged = pick(foreignSecretTokens[id]);
          path = withToken(id, forged.token, forged.expires);
          break;
        }
        case 'alg-none': {
          const [, payload] = token.split('.');
          const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'esd-download+jwt' })).toString('base64url');
          path = withToken(id, `${header}.${payload}.`, expires);
          break;
        }
        case 'other-file':
          // A genuine token for another file.
          path = withToken(id, signed[other].token, signed[other].expires);
          break;
        case 'oversized':
          path = withToken(id, `${token}${'A'.repeat(5000)}`, expires);
          break;
      }
      return { variant, verdict: checkTokenInvalid(await exchange({ path })) };
    },
  },

  tampered: {
    weight: 7,
    async run() {
      const id = pick(IDS);
      const other = pick(IDS.filter((candidate) => candidate !== id));
      const { token, expires } = signed[id];
      const [header, payload, signature] = token.split('.');
      const variant = pick(['signature-bit', 'payload-fid', 'payload-exp', 'expires-param', 'repeated-token', 'non-canonical', 'header-alg']);
      let path;
      switch (variant) {
        case 'signature-bit': {
          const bytes = Buffer.from(signature, 'base64url');
          bytes[int(0, bytes.length - 1)] ^= 1 << int(0, 7);
          path = withToken(id, `${header}.${payload}.${bytes.toString('base64url')}`, expires);
          break;
        }
        case 'payload-fid': {
          // The signed payload rewritten to name the other file, served at the other file's path.
          const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
          claims.fid = other;
          claims.scp = contentPath(other);
          path = withToken(other, `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`, expires);
          break;
        }
        case 'payload-exp': {
          const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
          claims.exp += 86_400;
          path = withToken(id, `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`, claims.exp);
          break;
        }
        case 'expires-param':
          path = withToken(id, token, expires + pick([1, -1, 3600]));
          break;
        case 'repeated-token':
          path = `${withToken(id, token, expires)}&token=${encodeURIComponent(token)}`;
          break;
        case 'non-canonical': {
          // Same signature bytes, another base64url spelling (unused low bits of the last character set).
          const last = signature[signature.length - 1];
          const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
          const twin = alphabet[alphabet.indexOf(last) ^ 1];
          path = withToken(id, `${header}.${payload}.${signature.slice(0, -1)}${twin}`, expires);
          break;
        }
        case 'header-alg': {
          const parsed = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
          parsed.alg = 'HS512';
          path = withToken(id, `${Buffer.from(JSON.stringify(parsed)).toString('base64url')}.${payload}.${signature}`, expires);
          break;
        }
      }
      return { variant, verdict: checkTokenInvalid(await exchange({ path })) };
    },
  },

  expired: {
    weight: 5,
    async run() {
      const id = pick(IDS);
      const variant = pick(['long-ago', 'just-past-tolerance']);
      const { token, expires } = expiredTokens[id][variant];
      const direct = random() < 0.1; // HEAD on an expired link is refused the same way
      const response = await exchange({ method: direct ? 'HEAD' : 'GET', path: withToken(id, token, expires) });
      if (direct) return { variant: `${variant}-head`, verdict: new Verdict(response).status(401).noBody() };
      return { variant, verdict: checkTokenInvalid(response) };
    },
  },

  abort: {
    weight: 6,
    async run() {
      const variant = weighted([['large', 50], ['large-range', 25], ['medium', 25]]);
      const file = expected[variant === 'medium' ? 'medium' : 'large'];
      let start = 0;
      let headers = {};
      if (variant === 'large-range') {
        start = int(0, file.size - 8 * MiB);
        headers = { Range: `bytes=${start}-${start + 8 * MiB - 1}` };
      }
      const check = new ByteCheck(file, start, file.size - start);
      const response = await exchange({ path: signedPath(file.id), headers, body: { check, abortAfterFirstChunk: true } });
      const verdict = new Verdict(response).status(variant === 'large-range' ? 206 : 200).bytes(check, false);
      if (!response.aborted) verdict.add('the whole body arrived in one chunk; nothing was aborted');
      return { variant, verdict };
    },
  },

  'abort-early': {
    weight: 4,
    async run() {
      const id = weighted([['small', 20], ['medium', 40], ['large', 40]]);
      const delayMs = pick([0, 0, 1, 2, 5]);
      const direct = random() < 0.3;
      const response = await exchange({
        path: direct ? `/files/${id}/download` : signedPath(id),
        headers: direct ? keyHeaders() : {},
        body: { check: new ByteCheck(expected[id], 0, expected[id].size) },
        abortEarly: { delayMs },
      });
      // Either no answer at all (the point), or the answer won the race: then it must be a 200.
      const verdict = response.status === 0 ? null : new Verdict(response).status(200);
      return { variant: `${id}-${delayMs}ms`, verdict };
    },
  },

  slow: {
    weight: 3,
    async run() {
      const variant = weighted(quick ? [['medium', 70], ['large-range', 30]] : [['medium', 50], ['large-range', 35], ['large', 15]]);
      const file = expected[variant === 'medium' ? 'medium' : 'large'];
      let start = 0;
      let length = file.size;
      let headers = {};
      let body;
      if (variant === 'medium') {
        body = { pauseEvery: 16 * 1024, pauseMs: () => int(10, 40) };
      } else if (variant === 'large-range') {
        length = 4 * MiB;
        start = int(0, file.size - length);
        headers = { Range: `bytes=${start}-${start + length - 1}` };
        body = { pauseEvery: 512 * 1024, pauseMs: () => int(50, 150) };
      } else {
        body = { pauseEvery: 1 * MiB, pauseMs: () => int(100, 300) };
      }
      const check = new ByteCheck(file, start, length, variant === 'large' ? { sha256: file.sha256 } : {});
      const response = await exchange({ path: signedPath(file.id), headers, body: { ...body, check } });
      const verdict = new Verdict(response).status(variant === 'large-range' ? 206 : 200).header('Content-Length', length).bytes(check);
      return { variant, verdict };
    },
  },

  head: {
    weight: 8,
    async run() {
      const file = expected[pick(IDS)];
      const variant = pick(['signed', 'signed-range', 'direct']);
      const { etag, lastModified } = validators[file.id];
      if (variant === 'signed-range') {
        const header = rangeHeaderFor(file, 'closed');
        const want = expectedRange(file.size, header);
        const response = await exchange({ method: 'HEAD', path: signedPath(file.id), headers: { Range: header } });
        const verdict = new Verdict(response).status(206).header('Content-Range', want.contentRange).header('Content-Length', want.end - want.start + 1).noBody();
        return { variant, verdict };
      }
      const direct = variant === 'direct';
      const response = await exchange({ method: 'HEAD', path: direct ? `/files/${file.id}/download` : signedPath(file.id), headers: direct ? keyHeaders() : {} });
      const verdict = new Verdict(response)
        .status(200)
        .header('Content-Length', file.size)
        .header('Accept-Ranges', 'bytes')
        .header('ETag', etag)
        .header('Last-Modified', lastModified)
        .noBody();
      return { variant, verdict };
    },
  },

  conditional: {
    weight: 10,
    async run() {
      const file = expected[pick(IDS)];
      const { etag, lastModified } = validators[file.id];
      const variant = weighted([
        ['if-none-match', 25], ['if-none-match-weak', 10], ['if-modified-since', 15], ['head-if-none-match', 10],
        ['if-none-match-stale', 10], ['if-match-stale', 10], ['if-range-fresh', 10], ['if-range-stale', 10],
      ]);
      const direct = random() < 0.3;
      const path = direct ? `/files/${file.id}/download` : signedPath(file.id);
      const auth = direct ? keyHeaders() : {};
      switch (variant) {
        case 'if-none-match':
        case 'if-none-match-weak':
        case 'if-modified-since':
        case 'head-if-none-match': {
          const condition = variant === 'if-modified-since' ? { 'If-Modified-Since': lastModified } : { 'If-None-Match': variant === 'if-none-match-weak' ? `W/${etag}` : `"other", ${etag}` };
          const response = await exchange({ method: variant.startsWith('head') ? 'HEAD' : 'GET', path, headers: { ...auth, ...condition } });
          return { variant, verdict: new Verdict(response).status(304).header('ETag', etag).header('Content-Length', undefined).noBody() };
        }
        case 'if-none-match-stale': {
          const small = expected.small;
          const check = new ByteCheck(small, 0, small.size, { sha256: small.sha256 });
          const response = await exchange({ path: direct ? '/files/small/download' : signedPath('small'), headers: { ...auth, 'If-None-Match': '"stale-0"' }, body: { check } });
          return { variant, verdict: fullCheck(new Verdict(response), response, small, check) };
        }
        case 'if-match-stale': {
          const response = await exchange({ path, headers: { ...auth, 'If-Match': '"stale-0"' } });
          return { variant, verdict: new Verdict(response).status(412) };
        }
        case 'if-range-fresh': {
          const header = rangeHeaderFor(file, 'closed');
          const want = expectedRange(file.size, header);
          const check = new ByteCheck(file, want.start, want.end - want.start + 1);
          const response = await exchange({ path, headers: { ...auth, Range: header, 'If-Range': random() < 0.5 ? etag : lastModified }, body: { check } });
          return { variant, verdict: new Verdict(response).status(206).header('Content-Range', want.contentRange).bytes(check) };
        }
        case 'if-range-stale': {
          // A stale validator turns the Range into a whole-file answer (small and medium only, to keep it cheap).
          const target = file.id === 'large' ? expected.medium : file;
          const check = new ByteCheck(target, 0, target.size, { sha256: target.sha256 });
          const response = await exchange({
            path: direct ? `/files/${target.id}/download` : signedPath(target.id),
            headers: { ...auth, Range: 'bytes=0-99', 'If-Range': '"stale-0"' },
            body: { check },
          });
          return { variant, verdict: fullCheck(new Verdict(response), response, target, check) };
        }
      }
      throw new Error(variant);
    },
  },
};

const only = options.only?.split(',').filter(Boolean);
const exclude = new Set(options.exclude?.split(',').filter(Boolean) ?? []);
for (const name of [...(only ?? []), ...exclude]) {
  if (!Object.hasOwn(KINDS, name)) {
    console.error(`load-attack: unknown kind ${JSON.stringify(name)}; kinds are ${Object.keys(KINDS).join(', ')}`);
    process.exit(2);
  }
}
const activeKinds = Object.keys(KINDS).filter((name) => (only === undefined || only.includes(name)) && !exclude.has(name));
const kindWeights = activeKinds.map((name) => [name, KINDS[name].weight]);

// ---------------------------------------------------------------- bookkeeping

const stats = {};
const failures = [];
const MAX_FAILURES_KEPT = 25;
const statusTotals = {};
let recording = false;

function tally(kind) {
  return (stats[kind] ??= { count: 0, ok: 0, failed: 0, wrongBytes: 0, fiveXX: 0, transportErrors: 0, statuses: {}, variants: {}, bytes: 0, latencies: [] });
}

async function runOne(kind) {
  const began = performance.now();
  let outcome;
  let error;
  try {
    outcome = await KINDS[kind].run();
  } catch (caught) {
    error = caught;
  }
  if (!recording) {
    if (error) throw error;
    if (outcome.verdict?.problems.length) throw new Error(`warm-up ${kind}/${outcome.variant}: ${outcome.verdict.problems.join('; ')}`);
    return;
  }
  const entry = tally(kind);
  entry.count += 1;
  entry.latencies.push(performance.now() - began);
  if (error) {
    entry.failed += 1;
    entry.transportErrors += 1;
    if (failures.length < MAX_FAILURES_KEPT) failures.push({ kind, error: `${error.code ?? ''} ${error.message}`.trim() });
    return;
  }
  const { variant, verdict } = outcome;
  entry.variants[variant] = (entry.variants[variant] ?? 0) + 1;
  if (verdict === null) {
    entry.ok += 1;
    entry.statuses['no-answer'] = (entry.statuses['no-answer'] ?? 0) + 1;
    return;
  }
  const { status, bytes } = verdict.response;
  entry.bytes += bytes;
  entry.statuses[status] = (entry.statuses[status] ?? 0) + 1;
  statusTotals[status] = (statusTotals[status] ?? 0) + 1;
  if (status >= 500) entry.fiveXX += 1;
  if (verdict.wrongBytes) entry.wrongBytes += 1;
  if (verdict.problems.length === 0) entry.ok += 1;
  else {
    entry.failed += 1;
    if (failures.length < MAX_FAILURES_KEPT) failures.push({ kind, variant, status, problems: verdict.problems });
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// ---------------------------------------------------------------- phases

async function prepareTokens() {
  // The server's own secret with a clock in the past: genuine tokens that expired long ago / just past the 5 s skew.
  const longAgo = createSigner({ secret, now: () => Date.now() - 2 * 3600_000 });
  const recently = createSigner({ secret, now: () => Date.now() - 75_000 });
  const control = createSigner({ secret });
  const stranger = createSigner({ secret: randomBytes(32).toString('hex') });
  for (const id of IDS) {
    const scope = contentPath(id);
    expiredTokens[id] = {
      'long-ago': await longAgo.sign({ fileId: id, scope, disposition: 'attachment', expiresIn: 600 }),
      'just-past-tolerance': await recently.sign({ fileId: id, scope, disposition: 'attachment', expiresIn: 60 }),
    };
    foreignSecretTokens[id] = [await stranger.sign({ fileId: id, scope, disposition: 'attachment', expiresIn: 3600 })];
    // Control: the same construction with a current clock must be accepted, or the expired ones prove nothing.
    const fresh = await control.sign({ fileId: id, scope, disposition: 'attachment', expiresIn: 600 });
    const check = new ByteCheck(expected[id], 0, expected[id].size, { sha256: expected[id].sha256 });
    const response = await exchange({ path: withToken(id, fresh.token, fresh.expires), body: { check } });
    const verdict = fullCheck(new Verdict(response), response, expected[id], check);
    if (verdict.problems.length) throw new Error(`control token for ${id} was not accepted: ${verdict.problems.join('; ')}`);
  }
}

async function warmUp() {
  for (const id of IDS) {
    const issued = await exchange({ path: `/files/${id}/download-url`, headers: keyHeaders() });
    if (issued.status !== 200) throw new Error(`issueDownloadUrl answered ${issued.status}: ${issued.body}`);
    const body = JSON.parse(issued.body.toString('utf8'));
    signed[id] = { token: body.token, expires: body.expires };
    const head = await exchange({ method: 'HEAD', path: `/files/${id}/download`, headers: keyHeaders() });
    if (head.status !== 200 || !head.headers.etag || !head.headers['last-modified']) throw new Error(`HEAD ${id}: ${head.status} without validators`);
    validators[id] = { etag: head.headers.etag, lastModified: head.headers['last-modified'] };
  }
  await prepareTokens();
  // Every kind a few times, so that the baseline has the code loaded and compiled.
  for (let round = 0; round < (quick ? 2 : 4); round += 1) {
    for (const kind of activeKinds) await runOne(kind);
  }
}

async function settle(before, timeoutMs) {
  const started = Date.now();
  await sleep(1000);
  let last;
  for (;;) {
    last = await serverStats();
    const fdsBack = last.fds <= before.fds + FD_TOLERANCE;
    const connectionsBack = last.connections <= before.connections + CONNECTION_TOLERANCE;
    if ((fdsBack && connectionsBack) || Date.now() - started > timeoutMs) break;
    await sleep(250);
  }
  // Two collections a little apart: the second sees what the first one's finalizers freed.
  await serverStats({ gc: true });
  await sleep(300);
  const after = await serverStats({ gc: true });
  return { after, settleMs: Date.now() - started };
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

// ---------------------------------------------------------------- run

const memory = (sample) => ({
  rss: sample.rss,
  heapUsed: sample.heapUsed,
  heapTotal: sample.heapTotal,
  external: sample.external,
  arrayBuffers: sample.arrayBuffers,
  fds: sample.fds,
  fileFds: sample.fileFds,
  connections: sample.connections,
});

const t0 = performance.now();
const phase = (name) => process.env.LOAD_ATTACK_DEBUG && console.error(`[${((performance.now() - t0) / 1000).toFixed(2)} s] ${name}`);

async function main() {
  const startedAt = new Date();
  const info = await startServer();
  phase('server ready');
  agent = newAgent();
  const cold = await serverStats({ gc: true });
  await warmUp();
  phase('warmed up');
  agent.destroy();
  agent = newAgent();
  await sleep(500);
  const { after: before } = await settle(cold, 0);
  phase('baseline');

  console.log(`load-attack: ${clients} clients × ${durationSeconds} s against ${base} (server pid ${info.pid}, seed ${seed}); kinds: ${activeKinds.join(', ')}`);

  // Peak sampling, on its own connection every 500 ms.
  const peak = memory(before);
  let peakLoopDelay = 0;
  let samples = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      try {
        const sample = await serverStats();
        samples += 1;
        for (const key of Object.keys(peak)) peak[key] = Math.max(peak[key], sample[key]);
        peakLoopDelay = Math.max(peakLoopDelay, sample.eventLoopDelayMaxMs);
      } catch {
        // a slow stats answer under load is not a finding; the next sample will do
      }
      await sleep(500);
    }
  })();

  recording = true;
  const loadStarted = performance.now();
  const deadline = Date.now() + durationSeconds * 1000;
  let stuck = 0;
  const workers = Array.from({ length: clients }, async () => {
    while (Date.now() < deadline && serverDied === undefined) await runOne(weighted(kindWeights));
  });
  const all = Promise.all(workers);
  let graceTimer;
  const hardStop = new Promise((done) => {
    graceTimer = setTimeout(() => done('timeout'), durationSeconds * 1000 + GRACE_MS);
  });
  const raced = await Promise.race([all, hardStop]);
  clearTimeout(graceTimer);
  if (raced === 'timeout') {
    stuck = inFlight.size;
    for (const req of inFlight) req.destroy(new Error('still running after the grace period'));
    await all;
  }
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  recording = false;
  sampling = false;
  await sampler;
  agent.destroy();

  phase('load done');
  const { after, settleMs } = await settle(before, settleTimeoutSeconds * 1000);
  const serverEvents = after.events;
  await stopServer();
  phase('server stopped');

  // ------------------------------------------------------------ verdict
  const kinds = {};
  let totalRequests = 0;
  let fiveXX = 0;
  let wrongBytes = 0;
  let failedRequests = 0;
  let transportErrors = 0;
  for (const name of activeKinds) {
    const entry = tally(name);
    const sorted = entry.latencies.sort((a, b) => a - b);
    kinds[name] = {
      count: entry.count,
      rps: Math.round((entry.count / loadSeconds) * 10) / 10,
      ok: entry.ok,
      failed: entry.failed,
      fiveXX: entry.fiveXX,
      wrongBytes: entry.wrongBytes,
      transportErrors: entry.transportErrors,
      statuses: entry.statuses,
      variants: entry.variants,
      mbReceived: Math.round((entry.bytes / MiB) * 10) / 10,
      p50ms: Math.round(percentile(sorted, 50)),
      p99ms: Math.round(percentile(sorted, 99)),
    };
    totalRequests += entry.count;
    fiveXX += entry.fiveXX;
    wrongBytes += entry.wrongBytes;
    failedRequests += entry.failed;
    transportErrors += entry.transportErrors;
  }
  const MiBf = (bytes) => Math.round((bytes / MiB) * 10) / 10;
  const rssGrowthMiB = MiBf(after.rss - before.rss);
  const heapGrowthMiB = MiBf(after.heapUsed - before.heapUsed);
  const checks = [
    { name: 'no 5xx answers', ok: fiveXX === 0 && !Object.keys(serverEvents.deniedStatus).some((status) => Number(status) >= 500), detail: `${fiveXX} seen by clients; server denied ${JSON.stringify(serverEvents.deniedStatus)}` },
    { name: 'no wrong bytes', ok: wrongBytes === 0, detail: `${wrongBytes} responses with a wrong, missing or extra byte` },
    { name: 'every status and header as expected', ok: failedRequests === 0, detail: `${failedRequests} failed requests (${transportErrors} transport errors)` },
    { name: 'every kind exercised', ok: activeKinds.every((name) => kinds[name].count > 0), detail: activeKinds.filter((name) => kinds[name].count === 0).join(', ') || 'all' },
    { name: 'no request hung', ok: stuck === 0, detail: `${stuck} still running ${GRACE_MS / 1000} s after the deadline` },
    { name: 'server stayed up', ok: serverDied === undefined, detail: serverDied ?? 'yes' },
    { name: `descriptors back to baseline (+${FD_TOLERANCE})`, ok: after.fds <= before.fds + FD_TOLERANCE, detail: `${before.fds} → peak ${peak.fds} → ${after.fds} (${after.fileFds} on served files)` },
    { name: 'no descriptor left open on a served file', ok: after.fileFds === 0, detail: `${after.fileFds} open after settling (baseline ${before.fileFds})` },
    { name: `connections back to baseline (+${CONNECTION_TOLERANCE})`, ok: after.connections <= before.connections + CONNECTION_TOLERANCE, detail: `${before.connections} → peak ${peak.connections} → ${after.connections}` },
    { name: `RSS after settling ≤ baseline + ${rssBoundMiB} MiB`, ok: rssGrowthMiB <= rssBoundMiB, detail: `${MiBf(before.rss)} → peak ${MiBf(peak.rss)} → ${MiBf(after.rss)} MiB (+${rssGrowthMiB})` },
    { name: `heap after GC ≤ baseline + ${HEAP_BOUND_MIB} MiB`, ok: heapGrowthMiB <= HEAP_BOUND_MIB, detail: `${MiBf(before.heapUsed)} → peak ${MiBf(peak.heapUsed)} → ${MiBf(after.heapUsed)} MiB (+${heapGrowthMiB})` },
  ];
  const pass = checks.every((check) => check.ok);

  const results = {
    pass,
    startedAt: startedAt.toISOString(),
    config: { quick, durationSeconds, clients, seed, kinds: activeKinds, rssBoundMiB, heapBoundMiB: HEAP_BOUND_MIB, fdTolerance: FD_TOLERANCE, connectionTolerance: CONNECTION_TOLERANCE, node: process.version, files: FILES },
    loadSeconds: Math.round(loadSeconds * 100) / 100,
    totals: { requests: totalRequests, rps: Math.round(totalRequests / loadSeconds), fiveXX, wrongBytes, failedRequests, transportErrors, retries, stuck, statuses: statusTotals },
    kinds,
    server: {
      cold: memory(cold),
      before: memory(before),
      peak,
      after: memory(after),
      settleMs,
      peakEventLoopDelayMs: peakLoopDelay,
      samples,
      events: serverEvents,
    },
    checks,
    failures,
  };

  printSummary(results);
  if (!pass && serverStderr.trim() !== '') console.log(`\nserver stderr (tail):\n${serverStderr.slice(-4000)}`);
  if (options.json !== undefined) writeFileSync(options.json, `${JSON.stringify(results, null, 2)}\n`);
  process.exitCode = pass ? 0 : 1;
}

function printSummary(results) {
  const table = (rows) => {
    const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => String(row[column]).length)));
    return rows.map((row) => row.map((cell, column) => (column === 0 ? String(cell).padEnd(widths[column]) : String(cell).padStart(widths[column]))).join('  ')).join('\n');
  };
  const { kinds, totals, server } = results;
  const rows = [['kind', 'requests', 'req/s', 'ok', 'failed', '5xx', 'wrong', 'p50 ms', 'p99 ms', 'MiB in', 'statuses']];
  for (const [name, kind] of Object.entries(kinds)) {
    rows.push([name, kind.count, kind.rps, kind.ok, kind.failed, kind.fiveXX, kind.wrongBytes, kind.p50ms, kind.p99ms, kind.mbReceived, Object.entries(kind.statuses).map(([status, count]) => `${status}:${count}`).join(' ')]);
  }
  rows.push(['total', totals.requests, totals.rps, '', totals.failedRequests, totals.fiveXX, totals.wrongBytes, '', '', '', Object.entries(totals.statuses).map(([status, count]) => `${status}:${count}`).join(' ')]);
  console.log(`\nrequests (${results.loadSeconds} s of load, ${results.config.clients} clients, ${totals.retries} keep-alive retries)\n${table(rows)}`);

  const MiBs = (bytes) => (bytes / MiB).toFixed(1);
  const resource = [['server', 'cold', 'before', 'peak', 'after', 'after − before']];
  for (const key of ['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers']) {
    resource.push([`${key} (MiB)`, MiBs(server.cold[key]), MiBs(server.before[key]), MiBs(server.peak[key]), MiBs(server.after[key]), MiBs(server.after[key] - server.before[key])]);
  }
  // What of the RSS is not V8's heap: sockets, buffers, malloc's retained free lists.
  const native = (sample) => sample.rss - sample.heapTotal;
  resource.push(['rss − heapTotal (MiB)', MiBs(native(server.cold)), MiBs(native(server.before)), '', MiBs(native(server.after)), MiBs(native(server.after) - native(server.before))]);
  for (const key of ['fds', 'fileFds', 'connections']) {
    resource.push([key, server.cold[key], server.before[key], server.peak[key], server.after[key], server.after[key] - server.before[key]]);
  }
  console.log(`\nserver resources (before/after: idle, after GC; after a ${(server.settleMs / 1000).toFixed(1)} s settle; peak over ${server.samples} samples; max event-loop delay ${server.peakEventLoopDelayMs} ms)\n${table(resource)}`);
  const events = server.events;
  console.log(`server events: served ${JSON.stringify(events.served)} (aborted ${events.servedAborted}), denied ${JSON.stringify(events.denied)}, issued ${events.issued}`);

  console.log('\nchecks');
  for (const check of results.checks) console.log(`  ${check.ok ? 'PASS' : 'FAIL'}  ${check.name}: ${check.detail}`);
  if (results.failures.length > 0) {
    console.log(`\nfirst ${results.failures.length} failures`);
    for (const failure of results.failures) console.log(`  ${JSON.stringify(failure)}`);
  }
  console.log(`\n${results.pass ? 'PASS' : 'FAIL'}`);
}

main()
  .catch(async (error) => {
    console.error(`load-attack: ${error.stack ?? error}`);
    if (serverStderr.trim() !== '') console.error(`server stderr:\n${serverStderr.slice(-4000)}`);
    process.exitCode = 2;
  })
  .finally(async () => {
    await stopServer().catch(() => undefined);
    agent?.destroy();
  });
