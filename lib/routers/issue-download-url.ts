import { json, type Router } from 'express';
import type { Request, Response } from 'express';
import { DownloadError } from '../errors';
import { downloadFilename } from '../http/disposition';
import { sendBody } from '../http/send-body';
import { requestOrigin } from '../http/origin';
import { parsePath, parseSettings, type Settings } from '../options/settings';
import type { MaybePromise, SharedOptions } from '../options/types';
import type { Disposition, FileRecord } from '../types';
import { authorizedFile, type DownloadableFile } from './access';
import { downloadRoute, downloadRouter, report, type RequestContext } from './context';
import { wrongResult } from './hook-result';
import { checkBindingSigner } from './link-checks';
import { integerOption } from '../options/validate';
import { MAX_USES_LIMIT } from '../tokens/claims';
import { presignFile } from './presign';
import { requestedLink, type LinkRequest, type UseLimits } from './query-options';

/** The default response body of {@link issueDownloadUrl}. */
export interface IssuedUrlBody {
  /** Absolute URL: the signed route with `?token=…&expires=…`, or the storage's presigned URL. */
  download_url: string;
  /** The signed token; `null` in presigned mode, where the URL carries the store's own signature. */
  token: string | null;
  /** Unix seconds. */
  expires: number;
  expires_in: number;
  /** ISO 8601. */
  expires_at: string;
  file_id: string;
  filename: string | null;
}

/** Options of {@link issueDownloadUrl}. */
export interface IssueDownloadUrlOptions<Principal = unknown, File extends FileRecord = FileRecord> extends SharedOptions<Principal, File> {
  /** Route inside the router (default `/:fileId/download-url`, or `/download-url` for POST). */
  path?: string;
  /** `'POST'` reads the id from a JSON body (`fileId` or `file_id`); the router parses JSON itself when no body parser ran. */
  method?: 'GET' | 'POST';
  /** `'signed'` (default) points at `serveSignedDownload`; `'presigned'` returns the storage's own presigned URL. */
  mode?: 'signed' | 'presigned';
  /** Origin (and optional path prefix) of the public URL, e.g. `https://files.example.com`; default: from the request. */
  publicBaseUrl?: string;
  /**
   * Without `publicBaseUrl`: the hosts (`host` or `host:port`) a URL may be
   * built for. A request whose Host (or trusted X-Forwarded-Host) is not
   * listed is 422, so no Host header can choose where a link points.
   */
  allowedHosts?: readonly string[];
  /** The signed route's URL for a file (absolute, or a path); `token` and `expires` are appended. May be async. */
  downloadUrl?: (req: Request, file: File) => MaybePromise<string>;
  /** Reshapes the response body. May be async. */
  formatResponse?: (body: IssuedUrlBody, file: File, req: Request) => unknown;
  /**
   * Downloads each issued link allows (signed mode; needs the shared
   * `useStore`). Default: unlimited until expiry.
   */
  maxUses?: number;
  /** Lets callers choose `?max_uses=` from 1 to this number (default: the parameter is refused). */
  maxUsesParam?: number;
}

const ROUTER_KEYS = ['path', 'method', 'mode', 'publicBaseUrl', 'allowedHosts', 'downloadUrl', 'formatResponse', 'maxUses', 'maxUsesParam'] as const;

function parsePublicBaseUrl(where: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '') {
    throw new TypeError(`${where}: \`publicBaseUrl\` must be an absolute http(s) URL without query or fragment, e.g. 'https://files.example.com'.`);
  }
  return (value as string).replace(/\/+$/, '');
}

function parseAllowedHosts(where: string, value: unknown, publicBaseUrl: string | undefined): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.some((host) => typeof host !== 'string' || host === '' || /[/\s@#?]/.test(host))) {
    throw new TypeError(`${where}: \`allowedHosts\` must be a non-empty array of hosts such as ['files.example.com', 'localhost:3000'].`);
  }
  if (publicBaseUrl !== undefined) throw new TypeError(`${where}: pass \`publicBaseUrl\` or \`allowedHosts\`, not both: with publicBaseUrl the request's Host is never used.`);
  return new Set(value.map((host: string) => host.toLowerCase()));
}

function parseUseLimits(where: string, options: { maxUses?: unknown; maxUsesParam?: unknown }, mode: 'signed' | 'presigned', settings: Settings): UseLimits {
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

const readJsonBody = json({ limit: '16kb' });

/** Parses a JSON body unless the host already did; malformed JSON is 422. */
function ensureBody(req: Request, res: Response): Promise<void> {
  if (req.body !== undefined) return Promise.resolve();
  return new Promise((resolve, reject) => {
    readJsonBody(req, res, (error?: unknown) => {
      if (error === undefined || error === null) resolve();
      else if ((error as { type?: unknown }).type === 'entity.too.large') {
        reject(new DownloadError('VALIDATION_ERROR', 'The request body is larger than 16 kB.', { cause: error, details: { parameter: 'body', in: 'body', reason: 'too_large', max: 16 * 1024 } }));
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
 */
export function issueDownloadUrl<Principal = unknown, File extends FileRecord = FileRecord>(options: IssueDownloadUrlOptions<Principal, File>): Router {
  const where = 'issueDownloadUrl';
  const method = options.method ?? 'GET';
  if (method !== 'GET' && method !== 'POST') throw new TypeError(`${where}: \`method\` must be 'GET' or 'POST'.`);
  const mode = options.mode ?? 'signed';
  if (mode !== 'signed' && mode !== 'presigned') throw new TypeError(`${where}: \`mode\` must be 'signed' or 'presigned'.`);
  const settings: Settings = parseSettings(
    where,
    method === 'POST' && options.fileId === undefined ? { ...options, fileId: bodyFileId } : options,
    ROUTER_KEYS,
    { authorize: true, signer: mode === 'signed' },
  );
  if (mode === 'presigned' && typeof settings.storage.presign !== 'function') {
    throw new TypeError(`${where}: mode 'presigned' needs a storage with presign(), such as s3Storage().`);
  }
  const path = parsePath(where, options.path, method === 'POST' ? '/download-url' : '/:fileId/download-url', method !== 'POST' && options.fileId === undefined);
  const publicBaseUrl = parsePublicBaseUrl(where, options.publicBaseUrl);
  const allowedHosts = parseAllowedHosts(where, options.allowedHosts, publicBaseUrl);
  const fallbackLifetime = settings.expiresIn ?? 3600;
  checkBindingSigner(where, settings);
  const uses = parseUseLimits(where, options, mode, settings);

  const signedUrl = async (req: Request, context: RequestContext, target: DownloadableFile, { expiresIn, maxUses }: LinkRequest, disposition: Disposition) => {
    const base = options.downloadUrl === undefined
      ? `${req.baseUrl}/${encodeURIComponent(context.fileId!)}/content`
      : await options.downloadUrl(req, target.file as File);
    if (typeof base !== 'string' || !(base.startsWith('/') || /^https?:\/\//i.test(base))) throw wrongResult('downloadUrl', base, "an absolute http(s) URL or a path starting with '/'");
    const absolute = /^[a-z][a-z0-9+.-]*:/i.test(base);
    // The token is bound to the path the signed route will see (the app's own
    // path: before publicBaseUrl's prefix, which a proxy strips), unless a scope is set.
    const scope = settings.scope ?? new URL(base, 'http://app.invalid').pathname;
    const url = new URL(absolute ? base : `${publicBaseUrl ?? requestOrigin(req, allowedHosts)}${base}`);
    const subject = await subjectOf(req, context);
    const holder = await holderOf(req);
    const { token, expires, jti } = await settings.signer!.sign({
      fileId: context.fileId!, tenant: context.tenant, disposition, expiresIn, scope, subject, maxUses, holder,
    });
    url.searchParams.set('token', token);
    url.searchParams.set('expires', String(expires));
    return { url: url.href, token, expires, expiresIn, subject, jti, maxUses };
  };

  const holderOf = async (req: Request): Promise<string | undefined> => {
    if (settings.bindTo === undefined) return undefined;
    const value: unknown = await settings.bindTo(req);
    if (value !== undefined && (typeof value !== 'string' || value === '')) throw wrongResult('bindTo', value, 'a non-empty string, or undefined');
    return value;
  };

  const subjectOf = async (req: Request, context: RequestContext): Promise<string | undefined> => {
    if (settings.subject === undefined) return undefined;
    const subject: unknown = await settings.subject(context.principal, req);
    if (subject === undefined) return undefined;
    if (typeof subject !== 'string' || subject === '' || subject.length > 256) {
      throw wrongResult('subject', subject, 'a string of 1 to 256 characters, or undefined');
    }
    return subject;
  };

  const presignedUrl = async (target: DownloadableFile, expiresIn: number, disposition: Disposition) => {
    return { ...(await presignFile(settings, target, disposition, expiresIn)), token: null, subject: undefined, jti: undefined, maxUses: undefined };
  };

  const handler = downloadRoute(settings, async (req, res, context) => {
    const target = await authorizedFile(req, settings, context, async () => {
      if (method === 'POST') await ensureBody(req, res);
      return requestedLink(req, fallbackLifetime, settings.maxExpiresIn, uses);
    });
    const { expiresIn } = target.input;
    const disposition = target.input.disposition ?? (await settings.disposition(target.file, req));
    const issued = mode === 'signed' ? await signedUrl(req, context, target, target.input, disposition) : await presignedUrl(target, expiresIn, disposition);
    const body: IssuedUrlBody = {
      download_url: issued.url,
      token: issued.token,
      expires: issued.expires,
      expires_in: issued.expiresIn,
      expires_at: new Date(issued.expires * 1000).toISOString(),
      file_id: context.fileId!,
      filename: downloadFilename(target.file.filename, target.key) ?? null,
    };
    const shaped = options.formatResponse === undefined ? body : await options.formatResponse(body, target.file as File, req);
    sendBody(req, res, 200, JSON.stringify(shaped), { 'Cache-Control': 'no-store' });
    report(settings, req, context, { type: 'issued', mode, expires: issued.expires, subject: issued.subject, jti: issued.jti, maxUses: issued.maxUses });
  });

  return downloadRouter(settings, (router) => {
    if (method === 'POST') router.post(path, handler);
    else router.get(path, handler);
  });
}
