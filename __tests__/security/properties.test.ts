// Property-based security tests (fast-check), over real HTTP where the rule is an HTTP rule.
// Each property reuses one app and one listening server; requests run sequentially.
import { mkdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import express from 'express';
import type { Express, Request } from 'express';
import fc from 'fast-check';
import request from 'supertest';
import type { Response as TestResponse } from 'supertest';
import { parse as parseContentDisposition } from 'content-disposition';
import {
  createDownloads, DEFAULT_INLINE_TYPES, fsStorage, memoryStorage, serveDownload, type Disposition, type FileRecord, type StorageAdapter,
} from '../../lib';
import { appWith, binary, pattern, signer, tempFiles } from '../helpers/app';

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/** Per-test limit: the properties take a few seconds each; both Express projects may run in parallel. */
const TIMEOUT = 60_000;

const servers: Server[] = [];

/** Listens on an ephemeral port and resolves once bound (supertest would otherwise listen a second time). */
async function serve(app: Express): Promise<Server> {
  const server = app.listen(0, '127.0.0.1');
  // Node 20's global agent keeps connections alive; a long server timeout avoids reset races between runs.
  server.keepAliveTimeout = 60_000;
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  expect((server.address() as AddressInfo).port).toBeGreaterThan(0);
  return server;
}

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Every raw value of a response header (Node joins or drops duplicates in `res.headers`). */
function rawHeader(res: TestResponse, name: string): string[] {
  const raw = (res as unknown as { res: { rawHeaders: string[] } }).res.rawHeaders;
  const values: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) values.push(raw[i + 1]!);
  return values;
}

function bodyOf(res: TestResponse): Buffer {
  return Buffer.isBuffer(res.body) ? res.body : Buffer.alloc(0);
}

function jsonOf(res: TestResponse): { error?: { code?: string } } {
  try {
    return JSON.parse(bodyOf(res).toString('utf8')) as { error?: { code?: string } };
  } catch {
    return {};
  }
}

/** A GET whose body is always collected as raw bytes. */
function get(server: Server, path: string) {
  return request(server).get(path).buffer(true).parse(binary);
}

/** The one 401 body every token failure gets (missing, malformed, tampered, foreign): no oracle. */
const TOKEN_INVALID_BODY = JSON.stringify({ error: { code: 'TOKEN_INVALID', message: 'The download link has expired or is invalid.', status: 401 } });
function expectTokenInvalid(res: TestResponse): void {
  expect(res.status).toBe(401);
  expect(bodyOf(res).toString('utf8')).toBe(TOKEN_INVALID_BODY);
}

const withAuth = { authenticate: () => ({ user: 'alice' }), authorize: () => true } as const;

/** Types a browser executes or renders as an active document: never inline (independent of the library's own list). */
const ACTIVE_ESSENCES = new Set([
  'text/html', 'application/xhtml+xml', 'image/svg+xml', 'text/xml', 'application/xml', 'text/xsl',
  'text/javascript', 'application/javascript', 'application/x-javascript', 'text/ecmascript', 'application/ecmascript',
]);
function isActive(essence: string): boolean {
  return ACTIVE_ESSENCES.has(essence) || essence.endsWith('+xml') || essence.endsWith('/xml') || essence.startsWith('multipart/');
}

// ---------------------------------------------------------------------------------------------
// 1. A mutated signed URL never verifies
// ---------------------------------------------------------------------------------------------

type Mutation =
  | { kind: 'flip' | 'insert'; at: number; char: string }
  | { kind: 'delete'; at: number }
  | { kind: 'encodeToken'; at: number[]; lower: boolean }
  | { kind: 'encodeName'; param: 'token' | 'expires'; at: number }
  | { kind: 'encodeExpires'; at: number }
  | { kind: 'expires'; value: string }
  | { kind: 'expiresDelta'; delta: number }
  | { kind: 'expiresZeros'; zeros: number }
  | { kind: 'duplicate'; param: 'token' | 'expires'; same: boolean; first: boolean }
  | { kind: 'drop'; param: 'token' | 'expires' }
  | { kind: 'reorder'; rotate: number }
  | { kind: 'extra'; piece: string; first: boolean }
  | { kind: 'segment'; at: number; value: string }
  | { kind: 'encodePath'; at: number }
  | { kind: 'pathCase' }
  | { kind: 'trailingSlash' }
  | { kind: 'doubleSlash'; at: number };

interface UrlModel {
  segments: string[];
  trailing: string;
  query: string[];
}

function hex(char: string, lower: boolean): string {
  const encoded = [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('');
  return lower ? encoded.toLowerCase() : encoded;
}

function renderUrl(url: UrlModel): string {
  return `/${url.segments.join('/')}${url.trailing}${url.query.length > 0 ? `?${url.query.join('&')}` : ''}`;
}

function editParam(url: UrlModel, name: string, edit: (value: string) => string): void {
  const index = url.query.findIndex((piece) => piece.startsWith(`${name}=`));
  if (index === -1) return;
  const piece = url.query[index]!;
  url.query[index] = `${name}=${edit(piece.slice(name.length + 1))}`;
}

function applyMutation(url: UrlModel, mutation: Mutation, original: { token: string; expires: string; otherToken: string }): void {
  const at = (index: number, length: number) => (length === 0 ? 0 : index % length);
  switch (mutation.kind) {
    case 'flip':
      return editParam(url, 'token', (v) => { const i = at(mutation.at, v.length); return v.slice(0, i) + mutation.char + v.slice(i + 1); });
    case 'insert':
      return editParam(url, 'token', (v) => { const i = at(mutation.at, v.length + 1); return v.slice(0, i) + mutation.char + v.slice(i); });
    case 'delete':
      return editParam(url, 'token', (v) => { const i = at(mutation.at, v.length); return v.slice(0, i) + v.slice(i + 1); });
    case 'encodeToken':
      // Percent-encoding characters of the value: the same token once decoded.
      return editParam(url, 'token', (v) => [...v].map((c, i) => (mutation.at.includes(i) && c !== '%' ? hex(c, mutation.lower) : c)).join(''));
    case 'encodeName': {
      const index = url.query.findIndex((piece) => piece.startsWith(`${mutation.param}=`));
      if (index === -1) return;
      const i = at(mutation.at, mutation.param.length);
      url.query[index] = mutation.param.slice(0, i) + hex(mutation.param[i]!, false) + url.query[index]!.slice(i + 1);
      return;
    }
    case 'encodeExpires':
      return editParam(url, 'expires', (v) => { const i = at(mutation.at, v.length); return v.length === 0 || v[i] === '%' ? v : v.slice(0, i) + hex(v[i]!, false) + v.slice(i + 1); });
    case 'expires':
      return editParam(url, 'expires', () => mutation.value);
    case 'expiresDelta':
      return editParam(url, 'expires', (v) => (/^[0-9]+$/.test(v) ? String(Number(v) + mutation.delta) : v));
    case 'expiresZeros':
      return editParam(url, 'expires', (v) => '0'.repeat(mutation.zeros) + v);
    case 'duplicate': {
      const value = mutation.param === 'token' ? (mutation.same ? original.token : original.otherToken) : mutation.same ? original.expires : String(Number(original.expires) + 1);
      const piece = `${mutation.param}=${value}`;
      if (mutation.first) url.query.unshift(piece);
      else url.query.push(piece);
      return;
    }
    case 'drop':
      url.query = url.query.filter((piece) => !piece.startsWith(`${mutation.param}=`));
      return;
    case 'reorder': {
      const n = url.query.length === 0 ? 0 : mutation.rotate % url.query.length;
      url.query = [...url.query.slice(n), ...url.query.slice(0, n)].reverse();
      return;
    }
    case 'extra':
      if (mutation.first) url.query.unshift(mutation.piece);
      else url.query.push(mutation.piece);
      return;
    case 'segment':
      url.segments[at(mutation.at, url.segments.length)] = mutation.value;
      return;
    case 'encodePath': {
      const flat = url.segments.join('/');
      const positions = [...flat].map((c, i) => (c === '/' || c === '%' ? -1 : i)).filter((i) => i >= 0);
      if (positions.length === 0) return;
      const i = positions[at(mutation.at, positions.length)]!;
      url.segments = (flat.slice(0, i) + hex(flat[i]!, false) + flat.slice(i + 1)).split('/');
      return;
    }
    case 'pathCase':
      url.segments = url.segments.map((segment) => segment.toUpperCase());
      return;
    case 'trailingSlash':
      url.trailing = '/';
      return;
    case 'doubleSlash': {
      const i = at(mutation.at, url.segments.length);
      url.segments = [...url.segments.slice(0, i), '', ...url.segments.slice(i)];
      return;
    }
  }
}

const TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('');
const ODD_CHARS = ['.', '=', '+', '%', '%2', '%41', '%2e', '&', '#', ' ', '~', '*', "'", '/', '?', ';', '\\', 'é', '\u2028', '\u0000', '%00'];

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('flip' as const, 'insert' as const), at: fc.nat(), char: fc.oneof(fc.constantFrom(...TOKEN_CHARS), fc.constantFrom(...ODD_CHARS)) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('encodeToken' as const), at: fc.uniqueArray(fc.nat({ max: 400 }), { minLength: 1, maxLength: 6 }), lower: fc.boolean() }),
  fc.record({ kind: fc.constant('encodeName' as const), param: fc.constantFrom('token' as const, 'expires' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('encodeExpires' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('expires' as const),
    value: fc.oneof(
      fc.stringMatching(/^[0-9]{0,14}$/),
      fc.constantFrom('', '0', '-1', '+1', '1e10', '0x1', 'NaN', 'Infinity', '99999999999999999999', '%20', ' '),
      fc.string({ maxLength: 12 }),
    ),
  }),
  fc.record({ kind: fc.constant('expiresDelta' as const), delta: fc.oneof(fc.integer({ min: -100_000, max: 100_000 }), fc.constantFrom(-1, 1, 86_400, -86_400)).filter((d) => d !== 0) }),
  fc.record({ kind: fc.constant('expiresZeros' as const), zeros: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), param: fc.constantFrom('token' as const, 'expires' as const), same: fc.boolean(), first: fc.boolean() }),
  fc.record({ kind: fc.constant('drop' as const), param: fc.constantFrom('token' as const, 'expires' as const) }),
  fc.record({ kind: fc.constant('reorder' as const), rotate: fc.nat({ max: 5 }) }),
  fc.record({
    kind: fc.constant('extra' as const),
    piece: fc.oneof(
      fc.constantFrom('disposition=attachment', 'disposition=inline', 'disposition=', 'foo=bar', '', 'token', 'expires', 'Token=x', 'tok%65n=x', 'expire%73=1', 'token%00=x', 'a=b%26token%3Dx'),
      fc.tuple(fc.stringMatching(/^[a-z]{1,6}$/), fc.stringMatching(/^[a-zA-Z0-9._~-]{0,8}$/)).map(([name, value]) => `${name}=${value}`),
    ),
    first: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('segment' as const),
    at: fc.nat(),
    value: fc.oneof(
      fc.constantFrom('g', 'x', 'F', 'm', 'N', 'n%20', '%6E', '%6e', 'content', 'CONTENT', 'download', 'n ', '', '.', '..', '%2e', '%2E%2E', 'n%2Fcontent', 'n;x', '%zz', '%'),
      fc.stringMatching(/^[a-zA-Z0-9._~%-]{1,8}$/),
    ),
  }),
  fc.record({ kind: fc.constant('encodePath' as const), at: fc.nat() }),
  fc.constant({ kind: 'pathCase' as const }),
  fc.constant({ kind: 'trailingSlash' as const }),
  fc.record({ kind: fc.constant('doubleSlash' as const), at: fc.nat() }),
);

/** RFC 3986 §6.2.2: percent-encoded unreserved characters decoded, other escapes upper-cased. */
function normalisePath(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (escape, code: string) => {
    const char = String.fromCharCode(parseInt(code, 16));
    return /^[A-Za-z0-9._~-]$/.test(char) ? char : escape.toUpperCase();
  });
}

function hasMalformedEscape(path: string): boolean {
  return path.split('/').some((segment) => {
    try {
      decodeURIComponent(segment);
      return false;
    } catch {
      return true;
    }
  });
}

describe('1. no mutation of a signed URL that changes its meaning verifies', () => {
  const FILE = Buffer.concat([Buffer.from('FILE-N|'), pattern(3000)]);
  const OTHER = Buffer.concat([Buffer.from('FILE-M|'), pattern(200)]);
  let server: Server;
  let received: string | undefined;
  const original = { path: '/f/n/content', token: '', expires: '', otherToken: '', disposition: '' };

  beforeAll(async () => {
    const storage = memoryStorage().put('n.png', FILE).put('m.png', OTHER);
    const downloads = createDownloads({
      storage, signer,
      findFile: (id) => (id === 'n' || id === 'm' ? { id, key: `${id}.png` } : null),
      authenticate: (req) => (req.get('x-api-key') === 'issuer' ? { user: 'issuer' } : null),
      authorize: () => true,
    });
    const app = express();
    app.use((req, _res, next) => {
      received = req.originalUrl;
      next();
    });
    // The issuer lives apart from the signed routes, so no mutated path lands on it.
    app.use('/issue', downloads.issueDownloadUrl({ downloadUrl: (_req, file) => `/f/${encodeURIComponent(file.id)}/content` }));
    app.use('/f', downloads.serveSignedDownload());
    app.use('/g', downloads.serveSignedDownload());
    server = await serve(app);
    const issue = async (id: string) => {
      const res = await request(server).get(`/issue/${id}/download-url`).set('X-API-Key', 'issuer');
      expect(res.status).toBe(200);
      return new URL(res.body.download_url as string);
    };
    const url = await issue('n');
    expect(url.pathname).toBe(original.path);
    expect([...url.searchParams.keys()]).toEqual(['token', 'expires']);
    original.token = url.searchParams.get('token')!;
    original.expires = url.searchParams.get('expires')!;
    original.otherToken = (await issue('m')).searchParams.get('token')!;
    const res = await get(server, renderUrl({ segments: ['f', 'n', 'content'], trailing: '', query: [`token=${original.token}`, `expires=${original.expires}`] }));
    expect(res.status).toBe(200);
    expect(bodyOf(res).equals(FILE)).toBe(true);
    original.disposition = res.headers['content-disposition'] as string;
    expect(original.disposition).toBe('inline; filename=n.png');
  }, TIMEOUT);

  test('every mutated URL: the same meaning serves the exact bytes; any other meaning is 401 TOKEN_INVALID or no route', async () => {
    const seen = { same: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(mutationArb, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const url: UrlModel = { segments: ['f', 'n', 'content'], trailing: '', query: [`token=${original.token}`, `expires=${original.expires}`] };
        for (const mutation of mutations) applyMutation(url, mutation, original);
        received = undefined;
        const res = await get(server, renderUrl(url));
        // Judge by what the server actually received (the client normalises some characters, drops a #fragment).
        expect(received).toBeDefined();
        const mark = received!.indexOf('?');
        const path = mark === -1 ? received! : received!.slice(0, mark);
        const query = new URLSearchParams(mark === -1 ? '' : received!.slice(mark + 1));
        const tokens = query.getAll('token');
        const expiresValues = query.getAll('expires');
        const sameCredential = path === original.path && tokens.length === 1 && tokens[0] === original.token && expiresValues.length === 1;
        const body = bodyOf(res);
        expect(body.includes(Buffer.from('FILE-M|'))).toBe(false);

        if (sameCredential && expiresValues[0] === original.expires) {
          // Same path and the same decoded parameters (reordered, percent-encoded, extra parameters): same link.
          expect(res.status).toBe(200);
          expect(body.equals(FILE)).toBe(true);
          // A `disposition` parameter on the signed URL changes nothing: the token's disposition wins.
          expect(res.headers['content-disposition']).toBe(original.disposition);
          seen.same++;
          return;
        }
        const equivalentPath = normalisePath(path) === original.path;
        const equivalentExpires = expiresValues.length === 1 && /^[0-9]+$/.test(expiresValues[0]!) && BigInt(expiresValues[0]!) === BigInt(original.expires);
        const sameToken = tokens.length === 1 && tokens[0] === original.token;
        if (equivalentPath && sameToken && equivalentExpires) {
          // RFC 3986 §6.2.2.2 (a percent-encoded unreserved character in the path) or leading zeros in
          // `expires` name the same link: serving it is acceptable, refusing it too; nothing else.
          // (An encoded mount segment matches no route at all: 404.)
          expect([200, 401, 404]).toContain(res.status);
          if (res.status === 200) expect(body.equals(FILE)).toBe(true);
          else if (res.status === 401) expectTokenInvalid(res);
          else expect(body.includes(Buffer.from('FILE-N|'))).toBe(false);
          return;
        }
        // Anything else differs in meaning: never the file.
        expect(body.includes(Buffer.from('FILE-N|'))).toBe(false);
        if (res.status === 401) expectTokenInvalid(res);
        else if (res.status === 422) {
          // The router could not decode a path parameter: the documented envelope, never a stack trace.
          expect(hasMalformedEscape(path)).toBe(true);
          expect(JSON.parse(body.toString()).error.details).toMatchObject({ in: 'path', reason: 'malformed_encoding' });
        }
        else expect(res.status).toBe(404);
        seen.refused++;
      }),
      { numRuns: 300 },
    );
    // Both sides of the property were exercised.
    expect(seen.same).toBeGreaterThan(5);
    expect(seen.refused).toBeGreaterThan(100);
  }, TIMEOUT);
});

// ---------------------------------------------------------------------------------------------
// 2. A token opens only its own (file, tenant, disposition, route)
// ---------------------------------------------------------------------------------------------

describe('2. a token never opens any (file, tenant, route) but its own, with its own disposition', () => {
  type Route = 'A-content' | 'A-alt' | 'B-content';
  const ROUTES: Route[] = ['A-content', 'A-alt', 'B-content'];
  const e = encodeURIComponent;
  const contentPath = (route: Route, tenant: string, id: string) =>
    route === 'A-content' ? `/a/${e(tenant)}/files/${e(id)}/content`
      : route === 'A-alt' ? `/a/${e(tenant)}/files/${e(id)}/alt`
        : `/b/${e(tenant)}/docs/${e(id)}/content`;
  const issuePath = (route: Route, tenant: string, id: string) =>
    route === 'A-content' ? `/a/${e(tenant)}/files/${e(id)}/download-url`
      : route === 'A-alt' ? `/a/${e(tenant)}/files/${e(id)}/alt-url`
        : `/b/${e(tenant)}/docs/${e(id)}/download-url`;
  /** The bytes of every (instance, tenant, file): unique, so a body names the file it came from. */
  const bytesOf = (key: string) => Buffer.from(`CONTENT ${key}`, 'utf8');

  // Every (tenant, file) exists in both instances: only the token stands between a caller and the bytes.
  const storage: StorageAdapter = {
    stat: async (key) => ({ size: bytesOf(key).length, etag: `"${Buffer.from(key).toString('base64url').slice(0, 60)}"` }),
    read: async (key, range) => {
      const bytes = bytesOf(key);
      return Readable.from([range === undefined ? bytes : bytes.subarray(range.start, range.end + 1)]);
    },
  };
  const param = (req: Request, name: string) => String(req.params[name]);
  const shared = (instance: string) => ({
    storage, signer,
    tenant: (req: Request) => req.params.org,
    findFile: (id: string, req: Request): FileRecord => ({ id, key: JSON.stringify([instance, param(req, 'org'), id]), tenant: param(req, 'org'), contentType: 'image/png', filename: 'picture.png' }),
    authenticate: (req: Request) => (req.get('x-api-key') === 'issuer' ? { user: 'issuer' } : null),
    authorize: () => true,
  });
  let server: Server;

  beforeAll(async () => {
    const a = createDownloads(shared('A'));
    const b = createDownloads(shared('B'));
    const app = express();
    app.use('/a/:org/files',
      a.issueDownloadUrl(),
      a.serveSignedDownload(),
      a.issueDownloadUrl({ path: '/:fileId/alt-url', downloadUrl: (req, file) => `${req.baseUrl}/${e(file.id)}/alt` }),
      a.serveSignedDownload({ path: '/:fileId/alt' }));
    app.use('/b/:org/docs', b.issueDownloadUrl(), b.serveSignedDownload());
    server = await serve(app);
  }, TIMEOUT);

  // Path segments with characters that need encoding, unicode, and look-alikes of each other ('a' / 'A').
  const segment = fc
    .string({ unit: fc.constantFrom('a', 'A', 'b', '1', '-', '_', '.', '~', ' ', '%', '+', '&', '=', '?', '#', '/', ';', 'é', '☃', '😀'), minLength: 1, maxLength: 6 })
    .filter((s) => s !== '.' && s !== '..');
  const combo = fc.record({
    route: fc.constantFrom(...ROUTES),
    tenant: fc.nat({ max: 1 }),
    file: fc.nat({ max: 1 }),
    disposition: fc.constantFrom(undefined, 'inline' as const, 'attachment' as const),
  });

  test('each issued token redeems at its own location only; a disposition parameter cannot change the bound disposition', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(segment, { minLength: 2, maxLength: 2 }),
        fc.uniqueArray(segment, { minLength: 2, maxLength: 2 }),
        fc.array(combo, { minLength: 1, maxLength: 2 }),
        async (tenants, ids, combos) => {
          const locations = ROUTES.flatMap((route) => tenants.flatMap((tenant) => ids.map((id) => ({ route, tenant, id }))));
          for (const issued of combos) {
            const tenant = tenants[issued.tenant]!;
            const id = ids[issued.file]!;
            const key = JSON.stringify([issued.route.startsWith('A') ? 'A' : 'B', tenant, id]);
            const issue = await request(server)
              .get(issuePath(issued.route, tenant, id) + (issued.disposition === undefined ? '' : `?disposition=${issued.disposition}`))
              .set('X-API-Key', 'issuer');
            expect(issue.status).toBe(200);
            const url = new URL(issue.body.download_url as string);
            expect(url.pathname).toBe(contentPath(issued.route, tenant, id));
            const wanted: Disposition = issued.disposition ?? 'inline';

            for (const location of locations) {
              const res = await get(server, contentPath(location.route, location.tenant, location.id) + url.search);
              if (location.route === issued.route && location.tenant === tenant && location.id === id) {
                expect(res.status).toBe(200);
                expect(bodyOf(res).equals(bytesOf(key))).toBe(true);
                expect(res.headers['content-disposition']).toBe(`${wanted}; filename=picture.png`);
              } else {
                expect([location, res.status]).toEqual([location, 401]);
                expectTokenInvalid(res);
              }
            }

            // The disposition is bound in the token: a query parameter on the signed URL cannot change it.
            const own = contentPath(issued.route, tenant, id);
            for (const asked of ['inline', 'attachment', 'Attachment', 'inline%00']) {
              for (const query of [`${url.search}&disposition=${asked}`, `?disposition=${asked}&${url.search.slice(1)}`]) {
                const res = await get(server, own + query);
                expect(res.status).toBe(200);
                expect(bodyOf(res).equals(bytesOf(key))).toBe(true);
                expect(res.headers['content-disposition']).toBe(`${wanted}; filename=picture.png`);
              }
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  }, TIMEOUT);
});

// ---------------------------------------------------------------------------------------------
// 3. fsStorage never resolves a key outside root
// ---------------------------------------------------------------------------------------------

describe('3. fsStorage never yields bytes of a file outside root', () => {
  const LONG = 'L'.repeat(240);
  const tree = tempFiles({
    'root/a.txt': 'inside a',
    'root/sub/b.txt': 'inside sub/b',
    'root/sub/deep/c.txt': 'inside sub/deep/c',
    'root/ünï çødé.txt': 'inside unicode',
    'root/%2e%2e': 'inside literal %2e%2e',
    'root/%2f': 'inside literal %2f',
    'root/sp ace.txt': 'inside space',
    'root/back\\slash.txt': 'inside backslash',
    'root/.env': 'inside dotfile',
    'root/sub/.hidden': 'inside hidden',
    [`root/${LONG}`]: 'inside long name',
    'outside/secret.txt': 'OUTSIDE secret',
    'outside/a.txt': 'OUTSIDE a',
    'root-evil/secret.txt': 'OUTSIDE prefix sibling',
  });
  const outer = realpathSync(tree.root);
  const root = join(outer, 'root');
  const links: Record<string, string> = {
    'link-in': 'a.txt',
    'link-in-rel': './sub/b.txt',
    'link-in-abs': join(root, 'sub/deep/c.txt'),
    'link-dot': '.env',
    'linkdir-in': 'sub',
    'link-root': '.',
    'sub/link-parent': '..',
    'sub/link-a': '../a.txt',
    'link-out': '../outside/secret.txt',
    'link-out-abs': join(outer, 'outside/secret.txt'),
    'linkdir-out': '../outside',
    'link-up': '..',
    'link-prefix': '../root-evil/secret.txt',
    'linkdir-prefix': '../root-evil',
    'link-etc': '/etc/passwd',
    'link-loop': 'link-loop',
    'link-dangling': 'does-not-exist',
    'sub/deep/link-out2': '../../../outside/a.txt',
  };
  for (const [name, target] of Object.entries(links)) symlinkSync(target, join(root, name));
  mkdirSync(join(root, 'emptydir'));
  writeFileSync(join(outer, 'a.txt'), 'OUTSIDE beside root');
  afterAll(tree.cleanup);

  const storage = fsStorage({ root });
  const INSIDE = new Set(['inside a', 'inside sub/b', 'inside sub/deep/c', 'inside unicode', 'inside literal %2e%2e', 'inside literal %2f', 'inside space',
    'inside backslash', 'inside dotfile', 'inside hidden', 'inside long name']);

  /** Where the kernel would land for `root/key`: its real path when that is a regular file, else undefined. */
  function landing(key: string): string | undefined {
    try {
      const real = realpathSync.native(`${root}/${key}`);
      return statSync(real).isFile() ? real : undefined;
    } catch {
      return undefined;
    }
  }

  // Keys that must be served (so the property cannot pass by refusing everything), with their content.
  const MUST_SERVE: Record<string, string> = {
    'a.txt': 'inside a', 'sub/b.txt': 'inside sub/b', 'sub/deep/c.txt': 'inside sub/deep/c', 'ünï çødé.txt': 'inside unicode',
    '%2e%2e': 'inside literal %2e%2e', '%2f': 'inside literal %2f', 'sp ace.txt': 'inside space', [LONG]: 'inside long name',
    'link-in': 'inside a', 'link-in-rel': 'inside sub/b', 'link-in-abs': 'inside sub/deep/c', 'linkdir-in/b.txt': 'inside sub/b',
    'link-root/a.txt': 'inside a', 'sub/link-parent/a.txt': 'inside a', 'sub/link-a': 'inside a',
  };

  const names = [
    'a.txt', 'b.txt', 'c.txt', 'sub', 'deep', 'ünï çødé.txt', 'ünï çødé.txt'.normalize('NFD'), '%2e%2e', '%2f', 'sp ace.txt', 'back\\slash.txt', '.env', '.hidden',
    LONG, `${LONG}${LONG}`, 'x'.repeat(300), 'emptydir', 'outside', 'secret.txt', 'root', 'root-evil', ...Object.keys(links).map((name) => name.split('/').pop()!),
    '.', '..', '', '...', '%2e', '%2E', '%2e%2e%2f', '..%2f', '%00', '\u0000', 'a.txt\u0000', '\u0085', '\u202e', '\\', '..\\', 'a.txt/', '~', '*', '?', 'A.TXT', 'a.txt ',
  ];
  const segmentArb = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...names) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('.', '/', '\\', '%', '2', 'e', 'f', '\u0000', 'a'), maxLength: 8 }) },
  );
  const keyArb = fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(...Object.keys(MUST_SERVE)) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.constantFrom('', '/', '\\', './', '../'), fc.array(segmentArb, { minLength: 1, maxLength: 4 }), fc.constantFrom('/', '/', '/', '\\', '//'), fc.constantFrom('', '', '/'))
        .map(([prefix, segments, separator, suffix]) => prefix + segments.join(separator) + suffix),
    },
  );

  test('stat and read return nothing, or the bytes of the very file inside root the key names', async () => {
    let served = 0;
    await fc.assert(
      fc.asyncProperty(keyArb, async (key) => {
        const stat = await storage.stat(key);
        let bytes: Buffer | undefined;
        try {
          const stream = await storage.read(key);
          const chunks: Buffer[] = [];
          for await (const chunk of stream) chunks.push(chunk as Buffer);
          bytes = Buffer.concat(chunks);
        } catch (error) {
          expect((error as { code?: unknown }).code).toBe('FILE_NOT_FOUND');
        }
        // stat and read agree.
        expect(stat === null).toBe(bytes === undefined);
        // Own keys only: a generated key such as "toString" names no file, whatever Object.prototype holds.
        if (Object.hasOwn(MUST_SERVE, key)) expect(bytes?.toString()).toBe(MUST_SERVE[key]);
        if (bytes === undefined) return;
        served++;
        const text = bytes.toString();
        expect(INSIDE.has(text)).toBe(true);
        const real = landing(key);
        expect(real).toBeDefined();
        expect(real!.startsWith(`${root}/`)).toBe(true);
        expect(readFileSync(real!).equals(bytes)).toBe(true);
        expect(stat!.size).toBe(bytes.length);
      }),
      { numRuns: 600 },
    );
    expect(served).toBeGreaterThan(50);
  }, TIMEOUT);
});

// ---------------------------------------------------------------------------------------------
// 4. Range: full bytes, the exact slice, or 416 — never anything else
// ---------------------------------------------------------------------------------------------

describe('4. any Range header gives 200 with the whole file, 206 with exactly the announced slice, or 416', () => {
  const SIZES = [0, 1, 7, 1000, 150_000];
  const files = tempFiles(Object.fromEntries(SIZES.map((size) => [`f${size}.bin`, pattern(size)])));
  afterAll(files.cleanup);
  const contents = new Map(SIZES.map((size) => [size, pattern(size)]));
  let server: Server;

  beforeAll(async () => {
    server = await serve(appWith('/r', serveDownload({ storage: fsStorage({ root: files.root }), findFile: (id) => ({ id, key: `f${id}.bin` }), ...withAuth })));
  }, TIMEOUT);

  const number = (size: number) => fc.oneof(
    fc.integer({ min: 0, max: size + 3 }).map(String),
    fc.constantFrom('0', String(Math.max(0, size - 1)), String(size), String(size + 1), '9007199254740991', '9007199254740992', '9007199254740993', '18446744073709551616', '1'.padEnd(40, '0'), '00', '007'),
    fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
  );
  const spec = (size: number) => fc.oneof(
    fc.tuple(number(size), number(size)).map(([a, b]) => `${a}-${b}`),
    number(size).map((a) => `${a}-`),
    number(size).map((n) => `-${n}`),
  );
  const ows = fc.constantFrom('', '', '', ' ', '\t', '  ');
  const rangeHeader = (size: number) => fc.oneof(
    spec(size).map((s) => `bytes=${s}`),
    fc.tuple(fc.array(fc.tuple(ows, spec(size), ows), { minLength: 2, maxLength: 4 })).map(([specs]) => `bytes=${specs.map(([l, s, r]) => l + s + r).join(',')}`),
    fc.tuple(fc.constantFrom('bytes', 'BYTES', 'Bytes', 'items', 'none', 'bytes ', ' bytes', 'byte', ''), fc.constantFrom('=', ' = ', ':', ''), spec(size)).map(([unit, eq, s]) => unit + eq + s),
    fc.constantFrom('bytes=', 'bytes=-', 'bytes=--1', 'bytes=1--2', 'bytes=0-1,', 'bytes=,0-1', 'bytes=0x10-20', 'bytes=1e3-', 'bytes=+1-2', 'bytes=1.5-2', 'bytes=-0', 'bytes=0-0,-0', '=0-1', 'bytes=0-1;x', 'bytes=\t0-1'),
    fc.string({ unit: fc.constantFrom('b', 'y', 't', 'e', 's', '=', '-', ',', ' ', '\t', '0', '1', '5', '9', 'x'), maxLength: 20 }),
    fc.string({ unit: 'binary-ascii', maxLength: 30 }).map((s) => s.replace(/[^\t\x20-\x7e]/g, '')),
  );
  const caseArb = fc.constantFrom(...SIZES).chain((size) => fc.record({ size: fc.constant(size), range: rangeHeader(size), head: fc.boolean() }));

  /** Checks one response against the three allowed shapes; returns what it was. */
  function checkShape(res: TestResponse, size: number, head: boolean): { status: number; start?: number; end?: number } {
    const file = contents.get(size)!;
    const body = bodyOf(res);
    if (res.status === 200) {
      expect(res.headers['content-range']).toBeUndefined();
      expect(res.headers['content-length']).toBe(String(size));
      if (!head) expect(body.equals(file)).toBe(true);
      return { status: 200 };
    }
    if (res.status === 206) {
      const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(res.headers['content-range']));
      expect(match).not.toBeNull();
      const [start, end, total] = [Number(match![1]), Number(match![2]), Number(match![3])];
      expect(total).toBe(size);
      expect(start).toBeLessThanOrEqual(end);
      expect(end).toBeLessThan(size);
      expect(res.headers['content-length']).toBe(String(end - start + 1));
      if (!head) expect(body.equals(file.subarray(start, end + 1))).toBe(true);
      return { status: 206, start, end };
    }
    expect(res.status).toBe(416);
    expect(res.headers['content-range']).toBe(`bytes */${size}`);
    if (!head) expect(jsonOf(res).error?.code).toBe('RANGE_NOT_SATISFIABLE');
    return { status: 416 };
  }

  async function send(size: number, range: string, head = false): Promise<TestResponse> {
    const req = head ? request(server).head(`/r/${size}/download`) : get(server, `/r/${size}/download`);
    return req.set('Range', range);
  }

  test('shape: 200 full, 206 exact slice with a correct Content-Range, or 416 bytes */size; never 500', async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ size, range, head }) => {
        const res = await send(size, range, head);
        statuses.add(checkShape(res, size, head).status);
      }),
      { numRuns: 300 },
    );
    expect([...statuses].sort()).toEqual([200, 206, 416]);
  }, TIMEOUT);

  // The oracle: RFC 9110 §14.1 for one well-formed byte-range-spec, in BigInt arithmetic, with the
  // library's documented choices (an invalid spec such as 5-1 is ignored; Range on an empty file is ignored).
  type Expected = { status: 200 } | { status: 206; start: number; end: number } | { status: 416 } | { status: 'ignored-or-rejected' };
  function oracle(header: string, size: number): Expected | undefined {
    const value = header.replace(/^[ \t]+|[ \t]+$/g, ''); // what the server receives: HTTP strips outer whitespace
    const intRange = /^bytes=([0-9]+)-([0-9]*)$/.exec(value);
    const suffix = /^bytes=-([0-9]+)$/.exec(value);
    if (intRange === null && suffix === null) return undefined;
    if (size === 0) return { status: 200 };
    const length = BigInt(size);
    if (intRange !== null) {
      const first = BigInt(intRange[1]!);
      const last = intRange[2] === '' ? undefined : BigInt(intRange[2]!);
      // Invalid (last before first): documented as ignored. RFC 9110 §14.2 lets a server ignore or reject it;
      // beyond 2^53 the library compares doubles, so there either answer is accepted.
      if (last !== undefined && last < first) return first > BigInt(Number.MAX_SAFE_INTEGER) ? { status: 'ignored-or-rejected' } : { status: 200 };
      if (first >= length) return { status: 416 };
      const end = last === undefined || last >= length ? length - 1n : last;
      return { status: 206, start: Number(first), end: Number(end) };
    }
    const n = BigInt(suffix![1]!);
    if (n === 0n) return { status: 416 };
    // "If the selected representation is shorter than the specified suffix-length, the entire representation is used."
    return { status: 206, start: Number(length > n ? length - n : 0n), end: size - 1 };
  }

  const singleCase = fc.constantFrom(...SIZES).chain((size) => fc.record({
    size: fc.constant(size),
    range: fc.tuple(ows, spec(size), ows).map(([l, s, r]) => `${l}bytes=${s}${r}`),
  }));

  test('oracle: a single int-range (first-last, first-) is answered exactly as RFC 9110 says', async () => {
    await fc.assert(
      fc.asyncProperty(singleCase.filter(({ range }) => !/=-/.test(range)), async ({ size, range }) => {
        const res = await send(size, range);
        const actual = checkShape(res, size, false);
        const expected = oracle(range, size)!;
        if (expected.status === 'ignored-or-rejected') expect([200, 416]).toContain(actual.status);
        else expect({ range, size, ...actual }).toEqual({ range, size, ...expected });
      }),
      { numRuns: 200 },
    );
  }, TIMEOUT);

  test('oracle: a single suffix-range (-N) is answered exactly as RFC 9110 says', async () => {
    await fc.assert(
      // RFC 9110 §14.1.1: a suffix-range with a non-zero length is always satisfiable on a non-empty file.
      fc.asyncProperty(singleCase.filter(({ range }) => /=-/.test(range)), async ({ size, range }) => {
        const res = await send(size, range);
        expect({ range, size, ...checkShape(res, size, false) }).toEqual({ range, size, ...oracle(range, size)! });
      }),
      { numRuns: 150 },
    );
  }, TIMEOUT);
});

// ---------------------------------------------------------------------------------------------
// 5. Content-Type: inline only for a safe essence, never a comma, never HTML/SVG/XML/JS inline
// ---------------------------------------------------------------------------------------------

const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** An independent strict parser of a sent Content-Type: exactly one `type/subtype *(; name=value)`. */
function parseSent(value: string): { essence: string } | undefined {
  const match = /^([!#$%&'*+.^_`|~0-9a-z-]+)\/([!#$%&'*+.^_`|~0-9a-z-]+)((?:; [!#$%&'*+.^_`|~0-9a-z-]+=(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+|"(?:[\t !#-[\]-~]|\\[\t !-~])*"))*)$/.exec(value);
  return match === null ? undefined : { essence: `${match[1]}/${match[2]}` };
}

describe('5. any Content-Type is sent as one safe media type, inline only when it is on the inline list', () => {
  type Mount = 'default' | 'wildcard' | 'families';
  const MOUNTS: Record<Mount, string[] | undefined> = { default: undefined, wildcard: ['*/*'], families: ['image/*', 'text/*', 'application/pdf'] };
  const allowedInline = (mount: Mount, essence: string): boolean => {
    if (isActive(essence)) return false;
    if (mount === 'default') return DEFAULT_INLINE_TYPES.includes(essence);
    if (mount === 'wildcard') return true;
    return essence.startsWith('image/') || essence.startsWith('text/') || essence === 'application/pdf';
  };
  const FILE = Buffer.from('GIF89a<script>alert(document.domain)</script><svg onload=alert(1)>');
  const storage = memoryStorage();
  const records = new Map<string, FileRecord>();
  let server: Server;
  let counter = 0;

  beforeAll(async () => {
    const app = express();
    for (const [mount, inlineTypes] of Object.entries(MOUNTS)) {
      app.use(`/${mount}`, serveDownload({ storage, findFile: (id) => records.get(id) ?? null, ...withAuth, ...(inlineTypes === undefined ? {} : { inlineTypes }) }));
    }
    server = await serve(app);
  }, TIMEOUT);

  const casing = (s: string) => fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }).map((upper) => [...s].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''));
  const essence = fc.oneof(
    fc.constantFrom(...DEFAULT_INLINE_TYPES),
    fc.constantFrom('text/html', 'image/svg+xml', 'application/xhtml+xml', 'text/xml', 'application/xml', 'application/rss+xml', 'application/mathml+xml',
      'text/javascript', 'application/javascript', 'application/x-javascript', 'text/ecmascript', 'multipart/x-mixed-replace', 'multipart/related', 'text/xsl'),
    fc.constantFrom('application/octet-stream', 'application/json', 'text/csv', 'application/x-foo', 'font/woff2', 'model/gltf+json', 'image/x-unknown', 'text/markdown'),
    fc.tuple(fc.stringMatching(/^[a-z0-9][a-z0-9!#$&^_.+-]{0,7}$/), fc.stringMatching(/^[a-z0-9][a-z0-9!#$&^_.+-]{0,9}$/)).map(([t, s]) => `${t}/${s}`),
  );
  const parameter = fc.tuple(
    fc.constantFrom('charset', 'boundary', 'x', 'name', 'codecs'),
    fc.oneof(fc.stringMatching(/^[A-Za-z0-9!#$&^_.+-]{1,8}$/).map((v) => ({ raw: v, sent: v })),
      fc.stringMatching(/^[A-Za-z0-9 =/.:@-]{0,8}$/).map((v) => ({ raw: `"${v}"`, sent: TOKEN_RE.test(v) ? v : `"${v}"` }))),
  );
  /** A well-formed type and what the library must send for it. */
  const cleanType = fc.tuple(essence.chain((e) => casing(e).map((cased) => ({ e, cased }))), fc.array(fc.tuple(parameter, fc.constantFrom('; ', ';', ' ; ', ';\t')), { maxLength: 3 }), fc.constantFrom('', ' ', '\t'))
    .map(([{ e, cased }, parameters, pad]) => ({
      raw: pad + cased + parameters.map(([[name, value], sep]) => `${sep}${name}=${value.raw}`).join('') + pad,
      sent: e + parameters.map(([[name, value]]) => `; ${name}=${value.sent}`).join(''),
      essence: e,
    }));
  const NOISE = [',', ', text/html', ',text/html', '"', "'", '\t', '\r', '\n', '\r\n', '\r\nX-Injected: 1', ' ', ';', '=', '\\', '/', '*', '*/*', 'é', '\u00a0', '\u2028', '\ufeff', '\u0000', '\u0085', '\u00ff', 'ÿ', '<', '>', '(', ')', '?', '{', '@'];
  const noisyType = fc.tuple(cleanType, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...NOISE)), { minLength: 1, maxLength: 3 }))
    .map(([clean, inserts]) => inserts.reduce((s, [at, noise]) => { const i = at % (s.length + 1); return s.slice(0, i) + noise + s.slice(i); }, clean.raw));
  const typeCase = fc.oneof(
    cleanType.map((clean) => ({ raw: clean.raw, clean: clean as { sent: string; essence: string } | undefined })),
    noisyType.map((raw) => ({ raw, clean: undefined })),
    fc.string({ unit: 'binary', maxLength: 40 }).map((raw) => ({ raw, clean: undefined })),
    fc.string({ unit: fc.constantFrom('t', 'e', 'x', '/', 'h', 'm', 'l', ';', '=', '"', ',', ' ', '\t', '\r', '\n', 'é', '+'), maxLength: 30 }).map((raw) => ({ raw, clean: undefined })),
  );

  test('inline only for a safe essence, never HTML/SVG/XML/JS/multipart inline, never a comma, always a clean 200', async () => {
    const seen = { inline: 0, attachment: 0 };
    await fc.assert(
      fc.asyncProperty(typeCase, fc.constantFrom<Mount>('default', 'wildcard', 'families'), fc.constantFrom('record', 'storage'), async ({ raw, clean }, mount, source) => {
        const id = `t${++counter}`;
        // From the record (which wins over the filename), or from the store's metadata (no filename, key without extension).
        if (source === 'record') records.set(id, { id, key: id, contentType: raw, filename: 'upload.gif' });
        else records.set(id, { id, key: id });
        storage.put(id, FILE, source === 'storage' ? { contentType: raw } : {});
        const res = await get(server, `/${mount}/${id}/download`);

        // A type is always normalised or replaced, so nothing is ever refused: CR/LF and other
        // whitespace (Unicode's included) at the ends of a part are trimmed away; CR/LF, NUL or a
        // comma anywhere else make the value octet-stream. The value sent is one Node accepts: a clean 200.
        expect(res.status).toBe(200);
        expect(bodyOf(res).equals(FILE)).toBe(true);
        expect(res.headers['x-injected']).toBeUndefined();
        const types = rawHeader(res, 'content-type');
        const dispositions = rawHeader(res, 'content-disposition');
        expect(types).toHaveLength(1);
        expect(dispositions).toHaveLength(1);
        const sent = types[0]!;
        expect(sent).not.toContain(',');
        const parsed = parseSent(sent);
        expect(parsed).toBeDefined();
        const inline = dispositions[0]!.startsWith('inline');
        expect(inline || dispositions[0]!.startsWith('attachment')).toBe(true);
        if (inline) {
          expect(allowedInline(mount, parsed!.essence)).toBe(true);
          seen.inline++;
        } else seen.attachment++;
        if (isActive(parsed!.essence)) expect(inline).toBe(false);
        // A comma anywhere means "not exactly one media type": octet-stream, as an attachment.
        if (raw.includes(',')) expect([sent, inline]).toEqual(['application/octet-stream', false]);
        // Everything but an inline PDF runs sandboxed.
        expect(res.headers['content-security-policy']).toBe(inline && parsed!.essence === 'application/pdf' ? undefined : 'sandbox');
        if (clean !== undefined) {
          // A well-formed type is sent normalised, and inline exactly when it is allowed.
          expect(sent).toBe(clean.sent);
          expect(inline).toBe(allowedInline(mount, clean.essence));
        }
        records.delete(id);
        storage.delete(id);
      }),
      { numRuns: 300 },
    );
    expect(seen.inline).toBeGreaterThan(10);
    expect(seen.attachment).toBeGreaterThan(10);
  }, TIMEOUT);
});

// ---------------------------------------------------------------------------------------------
// 6. Filenames: one valid Content-Disposition, no separators or control characters in the name
// ---------------------------------------------------------------------------------------------

describe('6. any filename gives exactly one valid Content-Disposition naming only a base name', () => {
  const FILE = Buffer.from('the bytes');
  const storage = memoryStorage().put('dir/stored.bin', FILE);
  const records = new Map<string, { record: FileRecord; disposition: Disposition }>();
  let server: Server;
  let counter = 0;

  beforeAll(async () => {
    server = await serve(appWith('/n', serveDownload({
      storage, ...withAuth,
      findFile: (id) => records.get(id)?.record ?? null,
      disposition: (file) => records.get(file.id)!.disposition,
    })));
  }, TIMEOUT);

  // eslint-disable-next-line no-control-regex
  const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
  /** What the name must be: the last segment of either separator, without controls (the key's name when the filename is empty). */
  function expectedName(filename: string): string | undefined {
    const source = filename === '' ? 'dir/stored.bin' : filename;
    // eslint-disable-next-line no-control-regex
    // Lone surrogates cannot be percent-encoded: they become U+FFFD, as String.prototype.toWellFormed does.
    // Invisible format characters (bidi controls: `invoice\u202Efdp.exe`) are gone as well, but the emoji joiner.
    const name = source.split(/[/\\]/).pop()!.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').replace(/(?!\u200d)\p{Cf}/gu, '')
      .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
    return name === '' || name === '.' || name === '..' ? undefined : name;
  }

  const PARTS = ['/', '\\', '"', "'", ';', '=', '*', '%', '%2F', '%5C', '%22', '%0D%0A', '\r', '\n', '\r\n', '\t', '\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u009b',
    ' ', '.', '..', '../', '..\\', 'filename*=UTF-8\'\'evil.html', '; filename=evil.html', 'é', 'ü', '☃', '😀', '\u200b', '\u202e', '\u2028', '\ufeff', 'ÿ', 'name.pdf', 'C:', '~'];
  const filenameArb = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.array(fc.oneof(fc.constantFrom(...PARTS), fc.string({ unit: 'grapheme', maxLength: 4 })), { maxLength: 8 }).map((parts) => parts.join('')),
    fc.string({ unit: fc.constantFrom('a', 'é', '😀', '/', '\\', '"', ' ', '%'), minLength: 200, maxLength: 1000 }),
  );
  // A lone UTF-16 surrogate: what a JSON body (JSON.parse('"\\ud83d"')) or a string cut mid-emoji can hold.
  const loneSurrogateArb = fc
    .tuple(fc.string({ unit: 'grapheme-ascii', maxLength: 6 }), fc.constantFrom('\ud800', '\udfff', '\ud83d', '\ude00'), fc.constantFrom('', '.txt', '.pdf'))
    .map(([a, s, b]) => a + s + b);

  async function check(filename: string, disposition: Disposition): Promise<void> {
    const id = `n${++counter}`;
    records.set(id, { record: { id, key: 'dir/stored.bin', contentType: 'image/png', filename }, disposition });
    const res = await get(server, `/n/${id}/download`);
    records.delete(id);
    expect({ filename, status: res.status, body: res.status === 200 ? '' : bodyOf(res).toString() }).toEqual({ filename, status: 200, body: '' });
    expect(bodyOf(res).equals(FILE)).toBe(true);
    const headers = rawHeader(res, 'content-disposition');
    expect(headers).toHaveLength(1);
    const header = headers[0]!;
    // Plain printable ASCII, and the RFC 6266 shape: type, then filename and/or filename*.
    expect(header).toMatch(/^[\x20-\x7e]+$/);
    expect(header).toMatch(/^(inline|attachment)(; filename=([!#$%&'*+.^_`|~0-9A-Za-z-]+|"([\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"))?(; filename\*=UTF-8''([!#$&+.^_`|~0-9A-Za-z-]|%[0-9A-F]{2})+)?$/);
    const parsed = parseContentDisposition(header);
    expect(parsed.type).toBe(disposition);
    expect(parsed.parameters.filename).toBe(expectedName(filename));
    // The ASCII fallback too (what a client without RFC 8187 support shows).
    const fallback = parseContentDisposition(header, { extended: false }).parameters.filename;
    for (const name of [parsed.parameters.filename, fallback]) {
      if (name === undefined) continue;
      expect(name).not.toMatch(/[/\\]/);
      expect(name).not.toMatch(CONTROL);
      expect(name).not.toMatch(/(?!\u200d)\p{Cf}/u);
      expect(name).not.toBe('..');
    }
  }

  test('one header, accepted by content-disposition parse(), whose filename is the base name without / \\ or controls', async () => {
    await fc.assert(
      fc.asyncProperty(filenameArb, fc.constantFrom<Disposition>('inline', 'attachment'), check),
      { numRuns: 300 },
    );
  }, TIMEOUT);

  test('a filename holding a lone UTF-16 surrogate is still served with a valid Content-Disposition', async () => {
    await fc.assert(
      fc.asyncProperty(loneSurrogateArb, fc.constantFrom<Disposition>('inline', 'attachment'), check),
      { numRuns: 20 },
    );
  }, TIMEOUT);
});
