// Fault injection (runs under Express 4 and 5):
//   1. every host hook throwing, rejecting, or rejecting with a non-Error, on every router where it runs;
//   2. storage failing before and after the headers;
//   3. real files truncated, grown, overwritten and replaced under a slow client;
//   4. 1,000 aborted downloads on fsStorage and memoryStorage.
// Every fault is followed by a normal request on the same app, which must be served exactly.
import express from 'express';
import type { Express, Request } from 'express';
import { appendFileSync, closeSync, openSync, readdirSync, readFileSync, renameSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { Agent, get as httpGet, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pipeline, Readable, Transform } from 'node:stream';
import request from 'supertest';
import type { Response as SuperAgentResponse } from 'superagent';
import {
  createDownloads, fsStorage, memoryStorage, serveDownload,
  type FailedEvent, type DownloadEvent, type FileRecord, type JsonFileBody, type IssuedUrlBody, type PresignOptions,
  type ServedEvent, type SharedOptions, type StorageAdapter,
} from '../../lib';
import { binary, pattern, signer, tempFiles } from '../helpers/app';

// ---------------------------------------------------------------------------------------------
// Shared plumbing

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));
// A hook or storage failure must never escape as an unhandled rejection (it would crash a real process).
afterEach(() => expect(unhandled).toEqual([]));

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${ms} ms`);
    await delay(10);
  }
}

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

async function listen(app: Express): Promise<{ server: Server; base: string; close: () => Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    server,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function connections(server: Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

/** What a raw HTTP client saw: `complete` is false when the connection ended before the announced length. */
interface Outcome {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  complete: boolean;
  error: string | undefined;
  reusedSocket: boolean;
}

interface RawOptions {
  agent?: Agent | false;
  headers?: Record<string, string>;
  /** Called after the first body chunk with the response paused; reading resumes when it resolves. */
  whilePaused?: () => Promise<void>;
  /** Read slowly after the pause: a short stop every few chunks. */
  slow?: boolean;
  /** Give up (destroy the request) after this long; the outcome's error is then {@link GAVE_UP}. */
  timeoutMs?: number;
}

/** The client's own timeout fired: the server neither finished nor ended the response. */
const GAVE_UP = 'client gave up: the server neither finished nor ended the response';

function fetchRaw(url: string, options: RawOptions = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const req = httpGet(url, { agent: options.agent ?? false, headers: options.headers ?? {} }, (res: IncomingMessage) => {
      const finish = (error?: string) => {
        if (settled) return;
        settled = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete, error, reusedSocket: req.reusedSocket });
      };
      let count = 0;
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        count++;
        if (count === 1 && options.whilePaused !== undefined) {
          res.pause();
          options.whilePaused().then(() => res.resume(), () => res.resume());
        } else if (options.slow && count % 8 === 0) {
          res.pause();
          setTimeout(() => res.resume(), 1);
        }
      });
      res.on('end', () => finish(res.complete ? undefined : 'ended incomplete'));
      res.on('error', (error) => finish(error.message));
      res.on('close', () => finish(res.complete ? undefined : 'closed incomplete'));
    });
    if (options.timeoutMs !== undefined) {
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        resolve({ status: 0, headers: {}, body: Buffer.concat(chunks), complete: false, error: GAVE_UP, reusedSocket: false });
        req.destroy();
      }, options.timeoutMs);
      req.once('close', () => clearTimeout(timer));
    }
    req.on('error', (error) => {
      if (settled) return;
      settled = true;
      resolve({ status: 0, headers: {}, body: Buffer.concat(chunks), complete: false, error: error.message, reusedSocket: req.reusedSocket });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// 1. Every hook failing in every way on every router where it runs

type HookName =
  | 'authenticate' | 'fileId' | 'tenant' | 'findFile' | 'authorize' | 'disposition' | 'headers'
  | 'formatError' | 'formatResponse' | 'downloadUrl' | 'onEvent';
type RouterName = 'issueDownloadUrl GET' | 'issueDownloadUrl POST' | 'serveSignedDownload' | 'serveDownload' | 'redirectToPresigned';
type Failure = 'throws an Error' | 'returns a rejected promise' | 'rejects with a string' | 'rejects with a plain object' | 'rejects with undefined';

const ISSUE: RouterName[] = ['issueDownloadUrl GET', 'issueDownloadUrl POST'];
const SERVE: RouterName[] = ['serveSignedDownload', 'serveDownload'];
const ALL: RouterName[] = [...ISSUE, ...SERVE, 'redirectToPresigned'];
const AUTHENTICATED: RouterName[] = [...ISSUE, 'serveDownload', 'redirectToPresigned'];

/**
 * Where each hook runs. The signed route verifies a token instead of calling
 * authenticate/authorize; `headers` only runs when bytes are served;
 * `formatResponse` shapes issue bodies and JSON-mode bodies; `downloadUrl` only
 * exists on the issuer. The signed route calls `disposition` when the token
 * carries none (the tests sign such tokens themselves).
 */
const APPLIES: Record<HookName, RouterName[]> = {
  authenticate: AUTHENTICATED,
  fileId: ALL,
  tenant: ALL,
  findFile: ALL,
  authorize: AUTHENTICATED,
  disposition: ALL,
  headers: SERVE,
  formatError: ALL,
  formatResponse: [...ISSUE, ...SERVE],
  downloadUrl: ISSUE,
  onEvent: ALL,
};
const FAILURES: Failure[] = ['throws an Error', 'returns a rejected promise', 'rejects with a string', 'rejects with a plain object', 'rejects with undefined'];

/** What a failing hook carries: the body and headers must never show any of it. */
const LEAK = 'hunter2@db.internal:5432 at /srv/app/hooks.js:12:7';

const CONTENT = pattern(100_000);
const RECORDS: Record<string, FileRecord> = {
  doc: { id: 'doc', key: 'report.png', filename: 'report.png', tenant: 'acme' },
};
const DEFAULT_500 = { error: { code: 'INTERNAL_ERROR', message: 'Internal server error.', status: 500 } };
const AUTH = { Authorization: 'Bearer good' };

interface Harness {
  app: Express;
  events: DownloadEvent[];
  /** How often the hook under test failed on purpose, and with what. */
  raised: number;
  thrown: unknown[];
}

/** memoryStorage plus a presign() that encodes what it was asked, so a redirect can be checked exactly. */
function presigningMemory(): StorageAdapter {
  const memory = memoryStorage().put('report.png', CONTENT, { contentType: 'image/png' });
  return {
    stat: (key) => memory.stat(key),
    read: (key, range) => memory.read(key, range),
    presign: async (key: string, options: PresignOptions) => {
      const url = new URL(`https://store.example/${key}`);
      url.searchParams.set('disposition', options.disposition);
      url.searchParams.set('type', options.contentType ?? '');
      url.searchParams.set('expires_in', String(options.expiresIn));
      return url.href;
    },
  };
}

/**
 * One app with all five routers and every hook configured. The hook named
 * `hook` fails in the way `failure` says, but only for requests carrying
 * `X-Fault: <hook>`, so the next request on the same app is a normal one.
 * `formatError` is configured only when it is the hook under test, so every
 * other failure must produce the library's default envelope.
 */
function harness(hook: HookName, failure: Failure): Harness {
  const state: Harness = { app: express(), events: [], raised: 0, thrown: [] };
  const trips = (name: HookName, req: Request | undefined): boolean => hook === name && req?.headers['x-fault'] === name;
  const fail = (): Promise<never> => {
    state.raised++;
    const value: unknown = {
      'throws an Error': new Error(`database password ${LEAK}`),
      'returns a rejected promise': new Error(`database password ${LEAK}`),
      'rejects with a string': LEAK,
      'rejects with a plain object': { message: LEAK, stack: LEAK, status: 418, code: 'ENOENT', expose: true },
      'rejects with undefined': undefined,
    }[failure];
    state.thrown.push(value);
    if (failure === 'throws an Error') throw value;
    return Promise.reject(value);
  };

  const shared: SharedOptions = {
    storage: presigningMemory(),
    signer,
    json: { maxBytes: 1024 * 1024 },
    authenticate: (req) => (trips('authenticate', req) ? fail() : req.get('authorization') === 'Bearer good' ? { user: 'u1' } : null),
    fileId: (req) => {
      if (trips('fileId', req)) return fail();
      const fromPath: unknown = req.params.fileId;
      return fromPath ?? (req.body as { fileId?: unknown } | undefined)?.fileId;
    },
    tenant: (req) => (trips('tenant', req) ? fail() : 'acme'),
    findFile: (id, req) => (trips('findFile', req) ? fail() : RECORDS[id] ?? null),
    authorize: (req, file, principal) => (trips('authorize', req) ? fail() : (principal as { user?: string }).user === 'u1' && file.tenant === 'acme'),
    disposition: (_file, req) => (trips('disposition', req) ? fail() : 'attachment'),
    headers: (_file, req) => (trips('headers', req) ? fail() : { 'X-Served-By': 'faults-test' }),
    onEvent: (event) => {
      state.events.push(event);
      if (trips('onEvent', event.req)) return fail();
      return undefined;
    },
  };
  if (hook === 'formatError') {
    shared.formatError = (error, req) => (trips('formatError', req) ? fail() : { status: error.code === 'FILE_NOT_FOUND' ? 437 : error.status, body: { failure: error.code } });
  }
  const issueShape = (body: IssuedUrlBody, _file: FileRecord, req: Request) => (trips('formatResponse', req) ? fail() : { ...body, shaped: 'issue' });
  const jsonShape = (body: JsonFileBody, _file: FileRecord, req: Request) => (trips('formatResponse', req) ? fail() : { ...body, shaped: 'json' });
  const downloadUrl = (req: Request, file: FileRecord) => (trips('downloadUrl', req) ? fail() : `${req.baseUrl}/${encodeURIComponent(file.id)}/content`);

  const downloads = createDownloads(shared);
  state.app.use(
    '/files',
    downloads.issueDownloadUrl({ formatResponse: issueShape, downloadUrl }),
    downloads.issueDownloadUrl({ method: 'POST', formatResponse: issueShape, downloadUrl }),
    downloads.serveSignedDownload({ formatResponse: jsonShape }),
    downloads.serveDownload({ formatResponse: jsonShape }),
    downloads.redirectToPresigned(),
  );
  return state;
}

interface CallOptions {
  fault?: HookName;
  id?: string;
  json?: boolean;
}

type Answer = SuperAgentResponse & { body: Buffer };

/** One request to `router`; bodies are kept raw so that exact bytes (or JSON text) can be checked. */
async function call(app: Express, router: RouterName, { fault, id = 'doc', json = false }: CallOptions = {}): Promise<Answer> {
  let test: request.Test;
  switch (router) {
    case 'issueDownloadUrl GET':
      test = request(app).get(`/files/${id}/download-url`).set(AUTH);
      break;
    case 'issueDownloadUrl POST':
      test = request(app).post('/files/download-url').set(AUTH).send({ fileId: id });
      break;
    case 'serveSignedDownload': {
      // No disposition in the token, so the route asks the disposition hook.
      const { token, expires } = await signer.sign({ fileId: id, tenant: 'acme', expiresIn: 600, scope: `/files/${id}/content` });
      test = request(app).get(`/files/${id}/content?token=${token}&expires=${expires}`);
      break;
    }
    case 'serveDownload':
      test = request(app).get(`/files/${id}/download`).set(AUTH);
      break;
    case 'redirectToPresigned':
      test = request(app).get(`/files/${id}/redirect`).set(AUTH).redirects(0);
      break;
  }
  if (fault !== undefined) test = test.set('X-Fault', fault);
  if (json) test = test.set('Accept', 'application/json');
  return (await test.buffer(true).parse(binary)) as Answer;
}

function headerText(res: Answer): string {
  return JSON.stringify(res.headers);
}

function expectCleanDefault500(res: Answer): void {
  expect(res.status).toBe(500);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(JSON.parse(res.body.toString('utf8'))).toEqual(DEFAULT_500);
  expect(res.headers['content-length']).toBe(String(res.body.length));
  // Nothing of the file or of the hook's failure.
  for (const name of ['content-disposition', 'x-served-by', 'location', 'etag', 'content-range']) expect(res.headers[name]).toBeUndefined();
  expect(res.body.toString('latin1')).not.toMatch(/hunter2|hooks\.js|\bat \/|ENOENT|418/);
  expect(headerText(res)).not.toMatch(/hunter2|hooks\.js/);
}

/** The answer a healthy app gives; for the issuer, the issued URL is redeemed on the same app. */
async function expectNormalAnswer(app: Express, router: RouterName, res: Answer, json = false): Promise<void> {
  if (router === 'issueDownloadUrl GET' || router === 'issueDownloadUrl POST') {
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = JSON.parse(res.body.toString('utf8')) as IssuedUrlBody & { shaped: string };
    expect(body).toEqual({
      download_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/files\/doc\/content\?token=[\w-]+\.[\w-]+\.[\w-]+&expires=\d+$/),
      token: expect.any(String), expires: expect.any(Number), expires_in: 3600, expires_at: expect.any(String),
      file_id: 'doc', filename: 'report.png', shaped: 'issue',
    });
    const url = new URL(body.download_url);
    const redeemed = (await request(app).get(url.pathname + url.search).buffer(true).parse(binary)) as Answer;
    expect(redeemed.status).toBe(200);
    expect(redeemed.headers['content-disposition']).toBe('attachment; filename=report.png');
    expect(Buffer.compare(redeemed.body, CONTENT)).toBe(0);
    return;
  }
  if (router === 'redirectToPresigned') {
    expect(res.status).toBe(307);
    expect(res.headers['cache-control']).toBe('no-store');
    const location = new URL(res.headers['location']!);
    expect(location.origin + location.pathname).toBe('https://store.example/report.png');
    expect(Object.fromEntries(location.searchParams)).toEqual({ disposition: 'attachment; filename=report.png', type: 'image/png', expires_in: '900' });
    return;
  }
  expect(res.status).toBe(200);
  if (json) {
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(res.body.toString('utf8'))).toEqual({
      contentType: 'image/png', data: CONTENT.toString('base64'), filename: 'report.png', size: CONTENT.length, shaped: 'json',
    });
  } else {
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-length']).toBe(String(CONTENT.length));
    expect(res.headers['content-disposition']).toBe('attachment; filename=report.png');
    expect(Buffer.compare(res.body, CONTENT)).toBe(0);
  }
  expect(res.headers['x-served-by']).toBe('faults-test');
  expect(res.headers['cache-control']).toMatch(router === 'serveDownload' ? /^private, no-cache$/ : /^private, max-age=\d+$/);
}

const faulted = (event: DownloadEvent) => event.req.headers['x-fault'] !== undefined;

const hookCases: [HookName, RouterName, Failure][] = (Object.keys(APPLIES) as HookName[]).flatMap((hook) =>
  APPLIES[hook].flatMap((router) => FAILURES.map((failure): [HookName, RouterName, Failure] => [hook, router, failure])));

describe('a failing host hook', () => {
  test('the matrix covers every hook on every router where it runs', () => {
    expect(hookCases).toHaveLength(46 * FAILURES.length);
  });

  test.each(hookCases)('%s on %s %s: clean answer, then the next request is served', async (hook, router, failure) => {
    const h = harness(hook, failure);
    // JSON-mode bodies are where formatResponse runs on the serving routers.
    const json = hook === 'formatResponse' && SERVE.includes(router);

    if (hook === 'onEvent') {
      // An audit hook failing changes nothing for the client.
      const res = await call(h.app, router, { fault: hook, json });
      await expectNormalAnswer(h.app, router, res, json);
      await until(() => h.raised >= 1, 2000, 'the onEvent fault');
      expect(h.events.filter((event) => faulted(event) && (event.type === 'denied' || event.type === 'failed'))).toEqual([]);
    } else if (hook === 'formatError') {
      // An error envelope that cannot be made falls back to the default one, as a 500.
      const res = await call(h.app, router, { fault: hook, id: 'missing' });
      expectCleanDefault500(res);
      expect(h.raised).toBe(1);
      // A 500 is a `failed` event; its cause says formatError failed answering FILE_NOT_FOUND, and why.
      await until(() => h.events.some((event) => faulted(event) && event.type === 'failed'), 2000, 'the failed event');
      const failed = h.events.find((event): event is FailedEvent => faulted(event) && event.type === 'failed')!;
      expect([failed.error.code, failed.status]).toEqual(['INTERNAL_ERROR', 500]);
      expect((failed.error.cause as Error).message).toMatch(/^formatError failed while answering FILE_NOT_FOUND: /);
      expect((failed.error.cause as Error).cause).toBe(h.thrown[0]);
      // formatError still works for the next error, and the next download is served.
      const next = await call(h.app, router, { id: 'missing' });
      expect(next.status).toBe(437);
      expect(JSON.parse(next.body.toString('utf8'))).toEqual({ failure: 'FILE_NOT_FOUND' });
    } else {
      const res = await call(h.app, router, { fault: hook, json });
      expectCleanDefault500(res);
      expect(h.raised).toBe(1);
      // A 500 is a `failed` event (not `denied`), and the internal reason reaches the host's logs, untouched.
      await until(() => h.events.some((event) => faulted(event) && event.type === 'failed'), 2000, 'the failed event');
      const failed = h.events.filter((event): event is FailedEvent => faulted(event) && event.type === 'failed');
      expect(failed).toHaveLength(1);
      expect([failed[0]!.error.code, failed[0]!.status]).toEqual(['INTERNAL_ERROR', 500]);
      expect(failed[0]!.error.cause).toBe(h.thrown[0]);
      expect(h.events.filter((event) => faulted(event) && event.type !== 'failed')).toEqual([]);
    }

    const raisedBefore = h.raised;
    const next = await call(h.app, router, { json });
    await expectNormalAnswer(h.app, router, next, json);
    expect(h.raised).toBe(raisedBefore);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Storage failing

describe('storage failing', () => {
  const SIZE = 1024 * 1024;
  const data = pattern(SIZE);
  const memory = memoryStorage().put('ok.bin', data).put('mem-fails.bin', data);

  async function* prefixThen(bytes: number, end: 'throw-error' | 'throw-string' | 'end' | 'extra'): AsyncGenerator<Buffer> {
    for (let offset = 0; offset < bytes; offset += 16 * 1024) yield data.subarray(offset, Math.min(bytes, offset + 16 * 1024));
    await delay(20);
    if (end === 'throw-error') throw new Error('EIO: i/o error, read /dev/sdb1');
    if (end === 'throw-string') throw 'EIO /dev/sdb1';
    if (end === 'extra') yield Buffer.alloc(50_000, 0xee);
  }

  /** Streams that go wrong after the headers went out, by key. */
  const streams: Record<string, () => NodeJS.ReadableStream> = {
    'errors-mid-stream': () => Readable.from(prefixThen(100_000, 'throw-error'), { objectMode: false }),
    'fails-with-a-non-error': () => Readable.from(prefixThen(100_000, 'throw-string'), { objectMode: false }),
    'ends-short': () => Readable.from(prefixThen(100_000, 'end'), { objectMode: false }),
    'errors-before-a-byte': () => new Readable({ read() { this.destroy(new Error('EIO before anything')); } }),
    'destroyed-without-an-error': () => {
      let sent = 0;
      return new Readable({
        read() {
          if (sent >= 100_000) {
            // An adapter that cancels its stream with destroy() (its own read timeout, a cancelled
            // upstream): 'close' without 'error' or 'end'. stream.pipeline would call that a premature close.
            setTimeout(() => this.destroy(), 20);
            return;
          }
          const chunk = data.subarray(sent, Math.min(100_000, sent + 16 * 1024));
          sent += chunk.length;
          this.push(chunk);
        },
      });
    },
  };

  const failing: StorageAdapter = {
    stat: async (key) => (key in streams || key === 'too-long' ? { size: SIZE, etag: '"v1"' } : memory.stat(key)),
    read: async (key, range) => {
      const make = streams[key];
      if (make !== undefined) return make();
      if (key === 'too-long') return Readable.from(prefixThen(SIZE, 'extra'), { objectMode: false });
      const source = (await memory.read(key, range)) as Readable;
      if (key !== 'mem-fails.bin') return source;
      // memoryStorage's own stream, failing part-way.
      let passed = 0;
      const breaking = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          passed += chunk.length;
          callback(passed > 200_000 ? new Error('memory adapter broke') : null, chunk);
        },
      });
      return pipeline(source, breaking, () => undefined);
    },
  };

  const served: ServedEvent[] = [];
  let base: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const app = express();
    app.use('/files', serveDownload({
      storage: failing,
      findFile: (id) => ({ id, key: id }),
      authorize: () => true,
      onEvent: (event) => { if (event.type === 'served') served.push(event); },
    }));
    ({ base, close } = await listen(app));
  });
  afterAll(() => close());

  async function expectHealthy(): Promise<void> {
    const ok = await fetchRaw(`${base}/files/ok.bin/download`);
    expect([ok.status, ok.complete, ok.body.length]).toEqual([200, true, SIZE]);
    expect(Buffer.compare(ok.body, data)).toBe(0);
  }

  test.each([
    ['errors-mid-stream', 100_000],
    ['fails-with-a-non-error', 100_000],
    ['ends-short', 100_000],
    ['destroyed-without-an-error', 100_000],
    ['mem-fails.bin', undefined],
  ] as const)('a storage stream that %s after the headers gives an incomplete response, never a clean short body', async (key, exact) => {
    const before = served.length;
    const res = await fetchRaw(`${base}/files/${key}/download`, { timeoutMs: 3000 });
    // The server itself must end the connection; a client left waiting is a hung download.
    expect(res.error).not.toBe(GAVE_UP);
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(SIZE));
    expect(res.complete).toBe(false);
    expect(res.error).toBeDefined();
    // What did arrive is the right bytes, and less than announced.
    expect(res.body.length).toBeLessThan(SIZE);
    if (exact !== undefined) expect(res.body.length).toBe(exact);
    expect(Buffer.compare(res.body, data.subarray(0, res.body.length))).toBe(0);
    await until(() => served.length > before, 2000, 'the served event');
    expect(served[before]).toMatchObject({ status: 200, aborted: true });
    expect(served[before]!.bytes).toBeLessThan(SIZE);
    await expectHealthy();
  }, 10_000);

  test('a stream that fails before its first byte: the client gets no response at all, not a 200', async () => {
    const res = await fetchRaw(`${base}/files/errors-before-a-byte/download`, { timeoutMs: 3000 });
    expect(res.error).not.toBe(GAVE_UP);
    expect(res.status).toBe(0);
    expect(res.complete).toBe(false);
    expect(res.body.length).toBe(0);
    expect(res.error).toBeDefined();
    await expectHealthy();
  });

  test('a range request whose stream fails part-way is an incomplete 206', async () => {
    const res = await fetchRaw(`${base}/files/mem-fails.bin/download`, { headers: { Range: 'bytes=1000-999999' } });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes 1000-999999/${SIZE}`);
    expect(res.complete).toBe(false);
    expect(res.body.length).toBeLessThan(999_000);
    expect(Buffer.compare(res.body, data.subarray(1000, 1000 + res.body.length))).toBe(0);
    await expectHealthy();
  });

  test('a stream with more bytes than its stat is cut at Content-Length and the keep-alive connection stays in sync', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const res = await fetchRaw(`${base}/files/too-long/download`, { agent });
      expect([res.status, res.complete, res.body.length]).toEqual([200, true, SIZE]);
      expect(Buffer.compare(res.body, data)).toBe(0);
      // The next response on the same socket parses cleanly: no stray bytes of the previous body.
      const next = await fetchRaw(`${base}/files/ok.bin/download`, { agent });
      expect(next.reusedSocket).toBe(true);
      expect([next.status, next.complete]).toEqual([200, true]);
      expect(Buffer.compare(next.body, data)).toBe(0);
    } finally {
      agent.destroy();
    }
  });

  const before = (what: string, storage: Partial<StorageAdapter>): [string, StorageAdapter] => [what, { ...failing, ...storage }];
  test.each([
    before('stat throws synchronously', { stat: () => { throw new Error(`stat ${LEAK}`); } }),
    before('stat rejects with a string', { stat: () => Promise.reject(LEAK) }),
    before('stat rejects with undefined', { stat: () => Promise.reject(undefined) }),
    before('read throws synchronously', { read: () => { throw new Error(`read ${LEAK}`); } }),
    before('read rejects with a plain object', { read: () => Promise.reject({ message: LEAK, status: 418 }) }),
  ])('%s: 500 STORAGE_ERROR with nothing of the failure in it, then the next request is served', async (_what, storage) => {
    const app = express();
    const options = { storage, findFile: (id: string) => ({ id, key: id }), authorize: () => true };
    app.use('/files', serveDownload(options));
    const res = (await request(app).get('/files/ok.bin/download').buffer(true).parse(binary)) as Answer;
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body.toString('utf8'))).toEqual({ error: { code: 'STORAGE_ERROR', message: 'The file could not be read from storage.', status: 500 } });
    expect(res.body.toString('latin1') + headerText(res)).not.toMatch(/hunter2|hooks\.js|418/);
    expect(res.headers['content-disposition']).toBeUndefined();
    const healthy = express();
    healthy.use('/files', serveDownload({ ...options, storage: failing }));
    const next = (await request(healthy).get('/files/ok.bin/download').buffer(true).parse(binary)) as Answer;
    expect(next.status).toBe(200);
    expect(Buffer.compare(next.body, data)).toBe(0);
  });

  test('in JSON mode a stream failing part-way breaks the connection once the body has started (never a complete-looking short body)', async () => {
    const app = express();
    app.use('/files', serveDownload({ storage: failing, findFile: (id) => ({ id, key: id }), authorize: () => true, json: { maxBytes: 2 * SIZE } }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      // The body is streamed a step at a time: past the first step, the only honest signal is a broken connection.
      for (const key of ['errors-mid-stream', 'fails-with-a-non-error', 'ends-short', 'destroyed-without-an-error', 'mem-fails.bin']) {
        const res = await fetchRaw(`${base}/files/${key}/download`, { headers: { Accept: 'application/json' }, timeoutMs: 3000 });
        expect({ key, status: res.status, complete: res.complete, gaveUp: res.error === GAVE_UP }).toEqual({ key, status: 200, complete: false, gaveUp: false });
      }
      // Before the first byte, it is still the documented 500.
      const early = (await request(app).get('/files/errors-before-a-byte/download').set('Accept', 'application/json').buffer(true).parse(binary)) as Answer;
      expect(early.status).toBe(500);
      expect(JSON.parse(early.body.toString('utf8')).error.code).toBe('STORAGE_ERROR');
      const ok = (await request(app).get('/files/ok.bin/download').set('Accept', 'application/json').buffer(true).parse(binary)) as Answer;
      expect(JSON.parse(ok.body.toString('utf8')).data).toBe(data.toString('base64'));
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Files on disk changing while they are streamed to a slow client

// Once through the stream door (a stat + read adapter over fsStorage) and once through fsStorage's own
// positional reads from its descriptor, which the engine uses for files it opens itself.
describe.each([['stat + read', false], ['open, positional reads', true]] as const)('a file changed on disk while a slow client downloads it (%s)', (_door, positional) => {
  // Far more than the socket buffers hold: back-pressure stops the server after about 4.5 MiB.
  const SIZE = 16 * 1024 * 1024;
  const files = tempFiles({});
  afterAll(files.cleanup);
  const OLD = pattern(SIZE);
  /** Differs from OLD at every offset (OLD with every bit flipped). */
  const FLIPPED = Buffer.from(OLD.map((byte) => byte ^ 0xff));
  const replacement = (size: number): Buffer => {
    if (size <= SIZE) return FLIPPED.subarray(0, size);
    const buffer = Buffer.alloc(size);
    for (let offset = 0; offset < size; offset += 251 * 4096) FLIPPED.copy(buffer, offset, 0, Math.min(251 * 4096, size - offset));
    return buffer;
  };

  /** Bytes the server has read from disk for the current download of each key (fsStorage's stream, counted on its way out). */
  const progress = new Map<string, number>();
  /** Runs between the engine's stat and fsStorage's open of the file (for the stat/open race). */
  const betweenStatAndOpen = new Map<string, () => void>();
  // No open-file cache: these scenarios are about what a transfer does while its file changes,
  // and the next request must see the change at once.
  const disk = fsStorage({ root: files.root, openFileCache: false });
  const observed: StorageAdapter = positional ? {
    open: async (key, options) => {
      betweenStatAndOpen.get(key)?.();
      const object = await disk.open(key, options);
      if (object === null) return null;
      progress.set(key, 0);
      const readAt = object.readAt!;
      return {
        ...object,
        readAt: (buffer, offset, length, position, callback) => readAt(buffer, offset, length, position, (error, bytes) => {
          if (error === null) progress.set(key, progress.get(key)! + bytes);
          callback(error, bytes);
        }),
      };
    },
  } : {
    stat: (key) => disk.stat(key),
    read: async (key, range) => {
      betweenStatAndOpen.get(key)?.();
      const source = (await disk.read(key, range)) as Readable;
      progress.set(key, 0);
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          progress.set(key, progress.get(key)! + chunk.length);
          callback(null, chunk);
        },
      });
      return pipeline(source, counter, () => undefined);
    },
  };

  const served: ServedEvent[] = [];
  const report: string[] = [];
  // eslint-disable-next-line no-console
  afterAll(() => console.log(report.join('\n')));
  let base: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const app = express();
    app.use('/files', serveDownload({
      storage: observed, findFile: (id) => ({ id, key: id }), authorize: () => true,
      onEvent: (event) => { if (event.type === 'served') served.push(event); },
    }));
    ({ base, close } = await listen(app));
  });
  afterAll(() => close());

  /** Waits until back-pressure has stopped the server reading, and returns how far it got. */
  async function settledProgress(key: string): Promise<number> {
    let last = -1;
    let stable = 0;
    while (stable < 5) {
      await delay(20);
      const now = progress.get(key) ?? 0;
      stable = now === last ? stable + 1 : 0;
      last = now;
    }
    return last;
  }

  /** Every byte is what one of the versions held at that offset; a complete answer has exactly the announced length. */
  function expectConsistent(res: Outcome, versions: Buffer[], offset = 0): void {
    if (res.complete) expect(res.body.length).toBe(Number(res.headers['content-length']));
    else expect(res.body.length).toBeLessThan(Number(res.headers['content-length']));
    const body = res.body;
    const BLOCK = 64 * 1024;
    for (let start = 0; start < body.length; start += BLOCK) {
      const block = body.subarray(start, start + BLOCK);
      // Fast path: the whole block is from one version; else byte by byte.
      if (versions.some((version) => block.equals(version.subarray(offset + start, offset + start + block.length)))) continue;
      for (let i = start; i < start + block.length; i++) {
        if (!versions.some((version) => version[offset + i] === body[i])) {
          throw new Error(`byte ${offset + i} is ${body[i]}, in no version of the file (${versions.map((v) => v[offset + i]).join(', ')})`);
        }
      }
    }
  }

  interface Scenario {
    key: string;
    /** Changes the file while the client is paused; returns the file's versions (the old one first). */
    change: (path: string, readSoFar: number) => Buffer[];
    headers?: Record<string, string>;
    /** What the client must see: the whole old file, or an incomplete response. */
    expect: 'complete-old' | 'incomplete' | 'complete-consistent';
  }

  async function run(scenario: Scenario): Promise<{ res: Outcome; versions: Buffer[]; readSoFar: number; event: ServedEvent }> {
    const path = join(files.root, scenario.key);
    writeFileSync(path, OLD);
    let versions: Buffer[] = [OLD];
    let readSoFar = -1;
    const before = served.length;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const res = await fetchRaw(`${base}/files/${scenario.key}/download`, {
        agent,
        slow: true,
        headers: scenario.headers ?? {},
        whilePaused: async () => {
          readSoFar = await settledProgress(scenario.key);
          versions = scenario.change(path, readSoFar);
        },
      });
      await until(() => served.length > before, 5000, 'the served event');
      const event = served[before]!;
      report.push(`${scenario.key}: server had read ${readSoFar} B when changed; client got ${res.body.length}/${res.headers['content-length']} B, ${res.complete ? 'complete' : 'incomplete'}`);
      if (scenario.expect === 'complete-old') {
        expect([res.status, res.complete, res.body.length]).toEqual([200, true, SIZE]);
        expect(Buffer.compare(res.body, OLD)).toBe(0);
      } else if (scenario.expect === 'incomplete') {
        expect(res.complete).toBe(false);
        expect(event.aborted).toBe(true);
      }
      expect(event.aborted).toBe(!res.complete);
      // The same app then serves the file as it is now, on the same connection when it survived.
      const now = readFileSync(path);
      const next = await fetchRaw(`${base}/files/${scenario.key}/download`, { agent });
      expect([next.status, next.complete, next.body.length]).toEqual([200, true, now.length]);
      expect(Buffer.compare(next.body, now)).toBe(0);
      if (res.complete) expect(next.reusedSocket).toBe(true);
      // The client can have the whole body before the server reports it: wait for that event here,
      // or on a busy machine it lands in the next scenario's place.
      await until(() => served.length > before + 1, 5000, 'the second served event');
      return { res, versions, readSoFar, event };
    } finally {
      agent.destroy();
      betweenStatAndOpen.delete(scenario.key);
    }
  }

  test('truncated in place beyond what the server has read: incomplete, old bytes only', async () => {
    const cut = 12 * 1024 * 1024;
    const { res, readSoFar, versions } = await run({ key: 'truncated.bin', expect: 'incomplete', change: (path) => { truncateSync(path, cut); return [OLD]; } });
    // The precondition of the scenario: the server had not reached the cut when the file shrank.
    expect(readSoFar).toBeLessThan(cut);
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(SIZE));
    expect(res.body.length).toBeLessThanOrEqual(cut);
    expectConsistent(res, versions);
  }, 20_000);

  test('truncated to zero: incomplete, never more than had been read before plus the read-ahead buffer', async () => {
    const { res, readSoFar, versions } = await run({ key: 'emptied.bin', expect: 'incomplete', change: (path) => { truncateSync(path, 0); return [OLD]; } });
    expect(readSoFar).toBeGreaterThan(0);
    // The fs stream may hold up to two 64 KiB reads made before the truncation and not yet counted.
    expect(res.body.length).toBeLessThanOrEqual(readSoFar + 128 * 1024);
    expectConsistent(res, versions);
  }, 20_000);

  test('grown by appending: the announced length of the old bytes, complete', async () => {
    const { res } = await run({ key: 'grown.bin', expect: 'complete-old', change: (path) => { appendFileSync(path, Buffer.alloc(1024 * 1024, 0xee)); return [OLD]; } });
    expect(res.headers['content-length']).toBe(String(SIZE));
  }, 20_000);

  test('overwritten in place with other bytes: every byte is from the old or the new version at its offset', async () => {
    const NEW = replacement(SIZE);
    const { res, versions } = await run({
      key: 'overwritten.bin', expect: 'complete-consistent',
      change: (path) => {
        const fd = openSync(path, 'r+');
        try {
          writeSync(fd, NEW, 0, SIZE, 0);
        } finally {
          closeSync(fd);
        }
        return [OLD, NEW];
      },
    });
    expect(res.complete).toBe(true);
    expectConsistent(res, versions);
  }, 20_000);

  test('truncated and rewritten with other bytes of the same size: consistent bytes or incomplete', async () => {
    const NEW = replacement(SIZE);
    const { res, versions } = await run({
      key: 'rewritten.bin', expect: 'complete-consistent',
      change: (path) => { writeFileSync(path, NEW); return [OLD, NEW]; },
    });
    expectConsistent(res, versions);
  }, 20_000);

  test.each([
    ['smaller', 1024 * 1024],
    ['larger', SIZE + 4 * 1024 * 1024],
    ['same-size', SIZE],
  ])('replaced by a %s file renamed over it: the open descriptor keeps serving the whole old file', async (name, size) => {
    await run({
      key: `renamed-${name}.bin`, expect: 'complete-old',
      change: (path) => { writeFileSync(`${path}.tmp`, replacement(size)); renameSync(`${path}.tmp`, path); return [OLD]; },
    });
  }, 20_000);

  test('a range, truncated under it: an incomplete 206 of the old bytes', async () => {
    const start = 1024 * 1024;
    const end = 15 * 1024 * 1024 - 1;
    const { res, versions } = await run({
      key: 'ranged.bin', expect: 'incomplete', headers: { Range: `bytes=${start}-${end}` },
      change: (path) => { truncateSync(path, 8 * 1024 * 1024); return [OLD]; },
    });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${SIZE}`);
    expectConsistent(res, versions, start);
  }, 20_000);

  test.each([
    ['smaller', 1024 * 1024, 'incomplete'],
    ['larger', SIZE + 1024 * 1024, 'complete'],
    ['same-size', SIZE, 'complete'],
  ] as const)('replaced by a %s file between the stat and the open: the announced length of one version, or incomplete', async (name, size, outcome) => {
    const key = `raced-${name}.bin`;
    const path = join(files.root, key);
    writeFileSync(path, OLD);
    const NEW = replacement(size);
    betweenStatAndOpen.set(key, () => {
      betweenStatAndOpen.delete(key);
      writeFileSync(`${path}.tmp`, NEW);
      renameSync(`${path}.tmp`, path);
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const res = await fetchRaw(`${base}/files/${key}/download`, { agent, slow: true });
      expect(res.status).toBe(200);
      if (positional) {
        // One trip: the size, the validators and the bytes all come from the one file opened, the new one.
        expect(res.headers['content-length']).toBe(String(size));
        expect(res.complete).toBe(true);
      } else {
        // Content-Length comes from the stat of the old file; the bytes from the new one, cut to it.
        expect(res.headers['content-length']).toBe(String(SIZE));
        expect(res.complete).toBe(outcome === 'complete');
      }
      expectConsistent(res, [NEW]);
      const next = await fetchRaw(`${base}/files/${key}/download`, { agent });
      expect([next.complete, next.body.length]).toEqual([true, size]);
      expect(Buffer.compare(next.body, NEW)).toBe(0);
    } finally {
      agent.destroy();
    }
  }, 20_000);
});

// ---------------------------------------------------------------------------------------------
// 4. 1,000 aborted downloads

describe('1,000 downloads aborted after the first chunk', () => {
  const SIZE = 32 * 1024 * 1024;
  const BIG = Buffer.alloc(SIZE, 7);
  const files = tempFiles({});
  writeFileSync(join(files.root, 'big.bin'), BIG);
  afterAll(files.cleanup);

  const TOTAL = 1000;
  const CONCURRENCY = 50;

  test.each([
    ['fsStorage', () => fsStorage({ root: files.root })],
    ['memoryStorage', () => memoryStorage().put('big.bin', BIG)],
  ] as const)('%s: descriptors and connections return to baseline, every download reported aborted', async (_name, makeStorage) => {
    const served: ServedEvent[] = [];
    const app = express();
    app.use('/files', serveDownload({
      storage: makeStorage(), findFile: (id) => ({ id, key: id }), authorize: () => true,
      onEvent: (event) => { if (event.type === 'served') served.push(event); },
    }));
    const { server, base, close } = await listen(app);
    try {
      const warm = await fetchRaw(`${base}/files/big.bin/download`);
      expect([warm.complete, warm.body.length]).toEqual([true, SIZE]);
      await until(async () => (await connections(server)) === 0, 5000, 'no connections');
      served.length = 0;
      const baseline = openFds();

      const statuses: number[] = [];
      const firstChunks: number[] = [];
      let next = 0;
      const worker = async () => {
        while (next < TOTAL) {
          next++;
          await new Promise<void>((resolve, reject) => {
            httpGet(`${base}/files/big.bin/download`, { agent: false }, (res) => {
              statuses.push(res.statusCode ?? 0);
              res.once('data', (chunk: Buffer) => {
                firstChunks.push(chunk.length);
                res.on('error', () => undefined);
                res.destroy();
                resolve();
              });
            }).on('error', reject);
          });
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));

      expect(statuses).toHaveLength(TOTAL);
      expect(statuses.every((status) => status === 200)).toBe(true);
      expect(firstChunks.every((length) => length > 0)).toBe(true);
      await until(() => served.length === TOTAL, 10_000, `${TOTAL} served events`);
      expect(served.filter((event) => event.aborted && event.status === 200 && event.bytes < SIZE)).toHaveLength(TOTAL);
      await until(async () => (await connections(server)) === 0, 10_000, 'the server\'s connections back to 0');
      await until(() => openFds() <= baseline, 10_000, 'descriptors back to baseline');
      // eslint-disable-next-line no-console
      console.log(`${_name}: fds baseline ${baseline}, after ${openFds()}; connections ${await connections(server)}; served ${served.length}, aborted ${served.filter((e) => e.aborted).length}, mean bytes ${Math.round(served.reduce((s, e) => s + e.bytes, 0) / served.length)}`);

      // And the app still serves a whole file.
      const after = await fetchRaw(`${base}/files/big.bin/download`);
      expect([after.status, after.complete, after.body.length]).toEqual([200, true, SIZE]);
      expect(Buffer.compare(after.body, BIG)).toBe(0);
    } finally {
      await close();
    }
  }, 60_000);
});
