import { json, type Router } from 'express';
import type { Request, Response } from 'express';
import { DownloadError } from '../errors';
import { sendBody } from '../http/send-body';
import { parsePath, parseSettings, type Settings } from '../options/settings';
import type { MaybePromise, SharedOptions } from '../options/types';
import { checkRouterOptions, integerOption } from '../options/validate';
import { MAX_USES_LIMIT } from '../tokens/claims';
import type { FileRecord } from '../types';
import { authorizedFile } from './access';
import { downloadRoute, downloadRouter, report } from './context';
import { issueLink, type IssuedUrlBody, type IssuerConfig } from './issuer';
import { checkBindingSigner } from './link-checks';
import { parseStableUrls, type StableUrlsOptions } from './link-signing';
import { requestedLink, type UseLimits } from './query-options';

export type { IssuedUrlBody } from './issuer';

/** Options of {@link issueDownloadUrl}. */
export interface IssueDownloadUrlOptions<Principal = unknown, File extends FileRecord = FileRecord> extends SharedOptions<Principal, File> {
  /** Route inside the router (default `/:fileId/download-url`, or `/download-url` for POST). */
  path?: string | undefined;
  /** `'POST'` reads the id from a JSON body (`fileId` or `file_id`); the router parses JSON itself when no body parser ran. */
  method?: 'GET' | 'POST' | undefined;
  /** `'signed'` (default) points at `serveSignedDownload`; `'presigned'` returns the storage's own presigned URL. */
  mode?: 'signed' | 'presigned' | undefined;
  /** Origin (and optional path prefix) of the public URL, e.g. `https://files.example.com`; default: from the request. */
  publicBaseUrl?: string | undefined;
  /**
   * Without `publicBaseUrl`: the hosts (`host` or `host:port`) a URL may be
   * built for. A request whose Host (or trusted X-Forwarded-Host) is not
   * listed is 422, so no Host header can choose where a link points.
   */
  allowedHosts?: readonly string[] | undefined;
  /** The signed route's URL for a file (absolute, or a path); `token` and `expires` are appended. May be async. */
  downloadUrl?: ((req: Request, file: File) => MaybePromise<string>) | undefined;
  /** Reshapes the response body. May be async. */
  formatResponse?: ((body: IssuedUrlBody, file: File, req: Request) => unknown) | undefined;
  /**
   * Downloads each issued link allows (signed mode; needs the shared
   * `useStore`). Default: unlimited until expiry.
   */
  maxUses?: number | undefined;
  /** Lets callers choose `?max_uses=` from 1 to this number (default: the parameter is refused). */
  maxUsesParam?: number | undefined;
  /**
   * Cache-stable links: the expiry is rounded up to the next multiple of
   * `bucketSeconds`, and every link issued for the same file, tenant and
   * disposition in one bucket is the same URL (see the README).
   */
  stableUrls?: StableUrlsOptions | undefined;
}

const ROUTER_KEYS = ['path', 'method', 'mode', 'publicBaseUrl', 'allowedHosts', 'downloadUrl', 'formatResponse', 'maxUses', 'maxUsesParam', 'stableUrls'] as const;

export function parsePublicBaseUrl(where: string, value: unknown, name = 'publicBaseUrl', example = 'https://files.example.com'): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '') {
    throw new TypeError(`${where}: \`${name}\` must be an absolute http(s) URL without query or fragment, e.g. '${example}'.`);
  }
  return (value as string).replace(/\/+$/, '');
}

export function parseAllowedHosts(where: string, value: unknown, publicBaseUrl: string | undefined): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.some((host) => typeof host !== 'string' || host === '' || /[/\s@#?]/.test(host))) {
    throw new TypeError(`${where}: \`allowedHosts\` must be a non-empty array of hosts such as ['files.example.com', 'localhost:3000'].`);
  }
  if (publicBaseUrl !== undefined) throw new TypeError(`${where}: pass \`publicBaseUrl\` or \`allowedHosts\`, not both: with publicBaseUrl the request's Host is never used.`);
  return new Set(value.map((host: string) => host.toLowerCase()));
}

export function parseUseLimits(where: string, options: { maxUses?: unknown; maxUsesParam?: unknown }, mode: 'signed' | 'presigned', settings: Settings): UseLimits {
  const { maxUses, maxUsesParam } = options;
  if (maxUses === undefined && maxUsesParam === undefined) return { fallback: undefined, max: undefined };
  if (mode === 'presigned') throw new TypeError(`${where}: \`maxUses\` and \`maxUsesParam\` need mode 'signed': a storage's presigned URL cannot count its uses.`);
  if (settings.useStore === undefined) {
    throw new TypeError(`${where}: \`maxUses\` needs a \`useStore\` to count uses: pass useStore: memoryUseStore() (one instance) or redisUseStore({ client }) from 'express-signed-downloads/redis' in createDownloads.`);
  }
  const max = maxUsesParam === undefined ? undefined : integerOption(where, 'maxUsesParam', maxUsesParam, 0, 1, MAX_USES_LIMIT, 'uses');
  const fallback = maxUses === undefined ? undefined : integerOption(where, 'maxUses', maxUses, 0, 1, max ?? MAX_USES_LIMIT, 'uses');
  return { fallback, max };
}

/** A tenant's own default use limit stands in when the router sets none (signed links only: a store's URL counts nothing). */
export function useLimitsFor(settings: Settings, limits: UseLimits, mode: 'signed' | 'presigned'): UseLimits {
  const own = settings.tenantPolicy?.maxUses;
  return own === undefined || limits.fallback !== undefined || mode !== 'signed' ? limits : { ...limits, fallback: own };
}

/** The body limit of the issuing routers when they parse JSON themselves. */
export const DEFAULT_BODY_LIMIT = 16 * 1024;

const bodyReaders = new Map<number, ReturnType<typeof json>>();

/** Parses a JSON body of at most `limit` bytes unless the host already did; malformed JSON is 422. */
export function ensureBody(req: Request, res: Response, limit = DEFAULT_BODY_LIMIT): Promise<void> {
  if (req.body !== undefined) return Promise.resolve();
  let readJsonBody = bodyReaders.get(limit);
  if (readJsonBody === undefined) bodyReaders.set(limit, (readJsonBody = json({ limit })));
  return new Promise((resolve, reject) => {
    readJsonBody(req, res, (error?: unknown) => {
      if (error === undefined || error === null) resolve();
      else if ((error as { type?: unknown }).type === 'entity.too.large') {
        const size = limit % 1024 === 0 ? `${limit / 1024} kB` : `${limit} bytes`;
        reject(new DownloadError('VALIDATION_ERROR', `The request body is larger than ${size}.`, { cause: error, details: { parameter: 'body', in: 'body', reason: 'too_large', max: limit } }));
      } else reject(new DownloadError('VALIDATION_ERROR', 'The request body must be valid JSON.', { cause: error, details: { parameter: 'body', in: 'body', reason: 'invalid_json' } }));
    });
  });
}

const bodyFileId = (req: Request): unknown => {
  const body = req.body as { fileId?: unknown; file_id?: unknown } | undefined;
  return body?.fileId ?? body?.file_id;
};

/**
 * Issues a short-lived download URL for an authenticated caller:
 * authenticate → find → tenant → authorize → sign (or presign).
 *
 * @example
 * ```ts
 * import { issueDownloadUrl } from 'express-signed-downloads';
 *
 * // GET /files/:fileId/download-url → 200 { download_url, expires_at, … }
 * app.use('/files', issueDownloadUrl({
 *   storage, signer,
 *   authenticate: (req) => req.user ?? null,
 *   findFile: (id) => db.documents.findById(id),
 *   authorize: (_req, doc, user) => doc.ownerId === user.id,
 *   expiresIn: 300, // seconds; a client may ask for less with ?expires_in=
 * }));
 * ```
 */
export function issueDownloadUrl<Principal = unknown, File extends FileRecord = FileRecord>(options: IssueDownloadUrlOptions<Principal, File>): Router {
  const where = 'issueDownloadUrl';
  checkRouterOptions(where, options, 'issueDownloadUrl({ … })');
  const method = options.method ?? 'GET';
  if (method !== 'GET' && method !== 'POST') throw new TypeError(`${where}: \`method\` must be 'GET' or 'POST'.`);
  const mode = options.mode ?? 'signed';
  if (mode !== 'signed' && mode !== 'presigned') throw new TypeError(`${where}: \`mode\` must be 'signed' or 'presigned'.`);
  const settings: Settings = parseSettings(
    where,
    method === 'POST' && options.fileId === undefined ? { ...options, fileId: bodyFileId } : options,
    ROUTER_KEYS,
    { authorize: true, signer: mode === 'signed', unused: ['findFiles'] },
  );
  if (mode === 'presigned' && typeof settings.storage.presign !== 'function') {
    throw new TypeError(`${where}: mode 'presigned' needs a storage with presign(), such as s3Storage().`);
  }
  const path = parsePath(where, options.path, method === 'POST' ? '/download-url' : '/:fileId/download-url', method !== 'POST' && options.fileId === undefined);
  const publicBaseUrl = parsePublicBaseUrl(where, options.publicBaseUrl);
  const allowedHosts = parseAllowedHosts(where, options.allowedHosts, publicBaseUrl);
  checkBindingSigner(where, settings);
  const uses = parseUseLimits(where, options, mode, settings);
  const issuer: IssuerConfig<File> = {
    mode, publicBaseUrl, allowedHosts, downloadUrl: options.downloadUrl, stableUrls: parseStableUrls(where, options.stableUrls, settings),
  };
  if (issuer.stableUrls !== undefined && mode === 'presigned') throw new TypeError(`${where}: \`stableUrls\` is for signed links; presigned URLs are the storage's own (see presignCache).`);

  const handler = downloadRoute(settings, async (req, res, context) => {
    const { settings: own, ...target } = await authorizedFile(
      req, settings, context,
      (chosen) => requestedLink(req, chosen.expiresIn ?? 3600, chosen.maxExpiresIn, useLimitsFor(chosen, uses, mode), mode === 'presigned' ? 'presigned' : chosen.renditions),
      method === 'POST' ? () => ensureBody(req, res) : undefined,
    );
    const { body, event } = await issueLink(own, issuer, req, context, target, target.input);
    const shaped = options.formatResponse === undefined ? body : await options.formatResponse(body, target.file as File, req);
    sendBody(req, res, 200, JSON.stringify(shaped), { 'Cache-Control': 'no-store' });
    report(settings, req, context, { type: 'issued', ...event });
  });

  return downloadRouter(settings, (router) => {
    if (method === 'POST') router.post(path, handler);
    else router.get(path, handler);
  });
}
