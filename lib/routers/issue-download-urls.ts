import type { Request, Router } from 'express';
import { DownloadError, toDownloadError } from '../errors';
import { sendBody } from '../http/send-body';
import { parsePath, parseSettings, type Settings } from '../options/settings';
import type { MaybePromise } from '../options/types';
import { checkRouterOptions, integerOption } from '../options/validate';
import type { FileRecord } from '../types';
import { acceptRecord, authenticate, checkAuthorized, checkedFileId, downloadable, resolveTenant, settingsFor } from './access';
import { downloadRoute, downloadRouter, report, type RequestContext } from './context';
import { wrongResult } from './hook-result';
import { ensureBody, parseAllowedHosts, parsePublicBaseUrl, parseUseLimits, useLimitsFor, type IssueDownloadUrlOptions } from './issue-download-url';
import { issueLink, type IssuedUrlBody, type IssuerConfig } from './issuer';
import { checkBindingSigner } from './link-checks';
import { parseStableUrls } from './link-signing';
import { requestedLink, type LinkRequest } from './query-options';

/** One entry of a batch answer: the issued URL, or why this id got none. */
export type IssuedUrlEntry = IssuedUrlBody | { file_id: string | null; error: { code: string; message: string; status: number } };

/** Options of {@link issueDownloadUrls}. */
export interface IssueDownloadUrlsOptions<Principal = unknown, File extends FileRecord = FileRecord>
  extends Omit<IssueDownloadUrlOptions<Principal, File>, 'method' | 'formatResponse' | 'fileId'> {
  /** Route inside the router (default `/download-urls`, POST). */
  path?: string | undefined;
  /** Where the ids come from (default: the JSON body's `file_ids`, or `fileIds`). */
  fileIds?: ((req: Request) => MaybePromise<unknown>) | undefined;
  /** Most ids in one request (default 100, at most 1000); more is 422. */
  maxBatch?: number | undefined;
  /** Reshapes the response body (default `{ download_urls: entries }`). May be async. */
  formatResponse?: ((entries: IssuedUrlEntry[], req: Request) => unknown) | undefined;
}

const ROUTER_KEYS = ['path', 'mode', 'publicBaseUrl', 'allowedHosts', 'downloadUrl', 'formatResponse', 'maxUses', 'maxUsesParam', 'stableUrls', 'fileIds', 'maxBatch'] as const;

/** The default source of ids: the JSON body's `file_ids` (or `fileIds`). */
export const bodyFileIds = (req: Request): unknown => {
  const body = req.body as { file_ids?: unknown; fileIds?: unknown } | undefined;
  return body?.file_ids ?? body?.fileIds;
};

/** The ids asked for, as an array of at most `max`; else 422. */
export function idList(value: unknown, max: number): unknown[] {
  if (!Array.isArray(value)) {
    throw new DownloadError('VALIDATION_ERROR', 'file_ids must be an array of file ids.', { details: { parameter: 'file_ids', in: 'body', reason: 'not_an_array' } });
  }
  if (value.length > max) {
    throw new DownloadError('VALIDATION_ERROR', `At most ${max} file ids per request.`, { details: { parameter: 'file_ids', in: 'body', reason: 'too_many', max } });
  }
  return value;
}

/** `findFiles`' answer as a lookup by id; a wrong shape is the host's bug (500 for the whole batch). */
function recordsById(found: unknown): (id: string) => unknown {
  if (found instanceof Map) return (id) => found.get(id);
  if (Array.isArray(found)) {
    const byId = new Map<string, unknown>();
    for (const record of found) {
      if (record === null || record === undefined) continue;
      const id = (record as { id?: unknown }).id;
      if (typeof record !== 'object' || (typeof id !== 'string' && typeof id !== 'number')) throw wrongResult('findFiles', record, 'records with an id (or null)');
      byId.set(String(id), record);
    }
    return (id) => byId.get(id) ?? null;
  }
  throw wrongResult('findFiles', found, 'a Map from id to record, or an array of records');
}

/** Finds the record of `context.fileId` and applies the tenant rule (`acceptRecord`). */
export type RecordFinder = (context: RequestContext) => Promise<FileRecord>;

/**
 * Looks up the records of `ids`: one `findFiles` call for all of them when
 * the host gave one, else `findFile` per id as it is asked for.
 */
export async function recordFinder(settings: Settings, ids: readonly unknown[], req: Request): Promise<RecordFinder> {
  if (settings.findFiles === undefined) return async (context) => acceptRecord(settings, context, await settings.findFile(context.fileId!, req));
  const wanted = [...new Set(ids.filter((id): id is string | number => typeof id === 'string' || typeof id === 'number').map(String))];
  const lookup = recordsById(await settings.findFiles(wanted, req));
  return async (context) => acceptRecord(settings, context, lookup(context.fileId!), 'findFiles');
}

/** What a client may read of a failure: the code, the safe message and the status. */
function failedEntry(fileId: string | null, error: DownloadError): IssuedUrlEntry {
  return { file_id: fileId, error: { code: error.code, message: error.message, status: error.status } };
}

/**
 * Issues download URLs for many files in one request (a gallery, a file
 * list): authenticate once, then find, tenant, authorize and sign per id.
 * The answer is 200 with one entry per id, in request order: the fields of
 * `issueDownloadUrl`, or `{ file_id, error }` for an id that got none.
 *
 * @example
 * ```ts
 * // POST /files/download-urls { "file_ids": ["a", "b", …] } → 200 { download_urls: [entry per id] }
 * app.use('/files', express.json(), downloads.issueDownloadUrls({
 *   maxBatch: 50,
 *   findFiles: (ids) => db.documents.findMany(ids), // one query for the whole batch
 * }));
 * ```
 */
export function issueDownloadUrls<Principal = unknown, File extends FileRecord = FileRecord>(options: IssueDownloadUrlsOptions<Principal, File>): Router {
  const where = 'issueDownloadUrls';
  checkRouterOptions(where, options, 'issueDownloadUrls({ … })');
  const mode = options.mode ?? 'signed';
  if (mode !== 'signed' && mode !== 'presigned') throw new TypeError(`${where}: \`mode\` must be 'signed' or 'presigned'.`);
  const settings: Settings = parseSettings(where, options, ROUTER_KEYS, { authorize: true, signer: mode === 'signed' });
  if (mode === 'presigned' && typeof settings.storage.presign !== 'function') {
    throw new TypeError(`${where}: mode 'presigned' needs a storage with presign(), such as s3Storage().`);
  }
  if (options.fileIds !== undefined && typeof options.fileIds !== 'function') throw new TypeError(`${where}: \`fileIds\` must be a function (req) => array of ids.`);
  const readIds = options.fileIds ?? bodyFileIds;
  const maxBatch = integerOption(where, 'maxBatch', options.maxBatch, 100, 1, 1000, 'ids');
  const path = parsePath(where, options.path, '/download-urls', false);
  const publicBaseUrl = parsePublicBaseUrl(where, options.publicBaseUrl);
  checkBindingSigner(where, settings);
  const uses = parseUseLimits(where, options, mode, settings);
  const issuer: IssuerConfig<File> = {
    mode, publicBaseUrl, allowedHosts: parseAllowedHosts(where, options.allowedHosts, publicBaseUrl),
    downloadUrl: options.downloadUrl, stableUrls: parseStableUrls(where, options.stableUrls, settings),
  };

  const one = async (req: Request, settings: Settings, parent: RequestContext, raw: unknown, find: RecordFinder, link: LinkRequest): Promise<IssuedUrlEntry> => {
    const context: RequestContext = { ...parent, fileId: undefined, file: undefined };
    try {
      context.fileId = checkedFileId(raw);
      const file = await find(context);
      await checkAuthorized(req, settings, file, context.principal);
      const { body, event } = await issueLink(settings, issuer, req, context, downloadable(file), link);
      report(settings, req, context, { type: 'issued', ...event });
      return body;
    } catch (thrown) {
      const error = toDownloadError(thrown);
      report(settings, req, context, { type: error.status >= 500 ? 'failed' : 'denied', error, status: error.status });
      return failedEntry(context.fileId ?? (typeof raw === 'string' || typeof raw === 'number' ? String(raw) : null), error);
    }
  };

  return downloadRouter(settings, (router) => router.post(path, downloadRoute(settings, async (req, res, context) => {
    context.principal = await authenticate(req, settings);
    if (options.fileIds === undefined) await ensureBody(req, res);
    const raw = idList(await readIds(req), maxBatch);
    await resolveTenant(req, settings, context, context.principal);
    const own = await settingsFor(settings, context.tenant, req);
    const link = requestedLink(req, own.expiresIn ?? 3600, own.maxExpiresIn, useLimitsFor(own, uses, mode), mode === 'presigned' ? 'presigned' : own.renditions);
    const find = await recordFinder(own, raw, req);
    const entries: IssuedUrlEntry[] = [];
    // One at a time: a batch is many small awaits, and order is the answer's order.
    for (const id of raw) entries.push(await one(req, own, context, id, find, link));
    const shaped = options.formatResponse === undefined ? { download_urls: entries } : await options.formatResponse(entries, req);
    sendBody(req, res, 200, JSON.stringify(shaped), { 'Cache-Control': 'no-store' });
  })));
}
