import type { Request, Router } from 'express';
import { archiveFilename, memberNames, recordCrc, recordFilename, sealManifest, statedVersion, zipMembers, type ManifestMember } from '../archives/archive-manifest';
import { inTurns } from '../archives/in-turns';
import { layoutZip } from '../archives/zip-layout';
import { DownloadError, toDownloadError } from '../errors';
import { statObject } from '../http/open-object';
import { sendBody } from '../http/send-body';
import { parsePath, parseSettings, type Settings } from '../options/settings';
import type { MaybePromise } from '../options/types';
import { checkRouterOptions, integerOption } from '../options/validate';
import type { FileRecord } from '../types';
import { authenticate, checkAuthorized, checkedFileId, downloadable, resolveTenant, settingsFor, type DownloadableFile } from './access';
import { archiveStoreOf, manifestExpiry } from './archive-links';
import { downloadRoute, downloadRouter, report, type RequestContext } from './context';
import { DEFAULT_BODY_LIMIT, ensureBody, parseAllowedHosts, parsePublicBaseUrl, parseUseLimits, useLimitsFor, type IssueDownloadUrlOptions } from './issue-download-url';
import { bodyFileIds, idList, recordFinder } from './issue-download-urls';
import { issueSignedLink } from './issuer';
import { checkBindingSigner } from './link-checks';
import { requestedLink } from './query-options';

/** One file of an issued archive: its id, its name in the archive and its size. */
export interface ArchiveFileEntry {
  file_id: string;
  name: string;
  size: number;
}

/** The default response body of `issueArchiveUrl`. */
export interface IssuedArchiveBody {
  /** Absolute URL of the signed archive route with `?token=…&expires=…`. */
  download_url: string;
  token: string;
  /** Unix seconds. */
  expires: number;
  expires_in: number;
  /** ISO 8601. */
  expires_at: string;
  /** The archive's download name. */
  filename: string;
  /** The archive's exact length in bytes (its `Content-Length`); absent with `compression: 'deflate'`, whose length is known only once it is sent. */
  size?: number;
  /** The members, in archive order. */
  files: ArchiveFileEntry[];
}

/** Options of `issueArchiveUrl`. */
export interface IssueArchiveUrlOptions<Principal = unknown, File extends FileRecord = FileRecord>
  extends Omit<IssueDownloadUrlOptions<Principal, File>, 'method' | 'formatResponse' | 'fileId' | 'mode' | 'downloadUrl' | 'stableUrls'> {
  /** Route inside the router (default `/archive-url`, POST). */
  path?: string | undefined;
  /**
   * Where the ids come from (default: the JSON body's `file_ids`, or
   * `fileIds`): a host-defined selection, such as a folder's files.
   */
  fileIds?: ((req: Request) => MaybePromise<unknown>) | undefined;
  /** The archive's name (default: the JSON body's `filename`, else `download.zip`); `.zip` is added when missing. */
  filename?: ((req: Request) => MaybePromise<string | undefined>) | undefined;
  /** Most files in one archive (default 1000, at most 100,000); more is 422. */
  maxFiles?: number | undefined;
  /** Largest archive in bytes (default 64 GiB; the stored size, also with deflate); larger is 422. */
  maxBytes?: number | undefined;
  /**
   * `'store'` (default): members as they are, so the archive has an exact
   * length and serves `Range` (resumable). `'deflate'`: members compressed
   * as they are sent, for text-heavy exports; no length up front and no
   * ranges, so a dropped download starts again. JPEGs, videos and PDFs are
   * compressed already: keep `'store'` for them.
   */
  compression?: 'store' | 'deflate' | undefined;
  /** Where `serveSignedArchive` is mounted: a path of this app or an absolute URL (default: `<this mount>/archives/content`). */
  downloadUrl?: ((req: Request) => MaybePromise<string>) | undefined;
  /** Reshapes the response body (default {@link IssuedArchiveBody}). May be async. */
  formatResponse?: ((body: IssuedArchiveBody, req: Request) => unknown) | undefined;
}

const ROUTER_KEYS = ['path', 'publicBaseUrl', 'allowedHosts', 'downloadUrl', 'formatResponse', 'maxUses', 'maxUsesParam', 'fileIds', 'filename', 'maxFiles', 'maxBytes', 'compression'] as const;

const DEFAULT_MAX_BYTES = 64 * 1024 ** 3;
const BODY_BYTES_PER_ID = 256;

/** Storage trips in flight at once while an archive's members are measured. */
const MEASURING = 16;

const bodyFilename = (req: Request): unknown => (req.body as { filename?: unknown } | undefined)?.filename;

function checkedFilename(value: unknown): string {
  if (value !== undefined && value !== null && typeof value !== 'string') {
    throw new DownloadError('VALIDATION_ERROR', 'filename must be a string.', { details: { parameter: 'filename', in: 'body', reason: 'not_a_string' } });
  }
  return archiveFilename(value ?? undefined);
}

/** A member's failure, naming the member: the whole archive is refused for it. */
function memberFailure(error: unknown, fileId: string): DownloadError {
  const failure = toDownloadError(error);
  if (failure.status >= 500) return failure;
  return new DownloadError(failure.code, failure.message, { status: failure.status, details: { ...failure.details, file_id: fileId }, cause: failure });
}

/** Each member's size and version: from the record when it states both, else from the store (one trip). */
async function describeMember(settings: Settings, target: DownloadableFile, id: string, name: string): Promise<ManifestMember> {
  const stated = statedVersion(target.known);
  let size = target.known.size;
  let modified = target.known.lastModified;
  let etag: string | undefined;
  if (size === undefined || stated === undefined) {
    const stat = await statObject(settings.storage, target.key);
    if (stat === null) throw new DownloadError('FILE_NOT_FOUND', undefined, { cause: new Error(`storage has no object ${target.key}`) });
    size = stat.size;
    etag = stat.etag;
    modified ??= stat.lastModified;
  }
  const crc32 = recordCrc(target.file);
  const filename = recordFilename(target.file);
  return {
    id, key: target.key, name, ...(filename === undefined ? {} : { filename }), size, modified: (modified ?? new Date()).getTime(),
    ...(stated === undefined ? {} : { stated }), ...(etag === undefined ? {} : { etag }), ...(crc32 === undefined ? {} : { crc32 }),
  };
}

/**
 * Issues a signed link to one ZIP archive of many files ("download all"):
 * authenticate once, then find, tenant-check and authorize every file, as
 * `issueDownloadUrls` does; any file refused refuses the archive, naming it.
 * The link binds the exact members (ids, names in the archive, sizes and
 * versions) through a manifest kept by `archiveStore`.
 */
export function issueArchiveUrl<Principal = unknown, File extends FileRecord = FileRecord>(options: IssueArchiveUrlOptions<Principal, File>): Router {
  const where = 'issueArchiveUrl';
  checkRouterOptions(where, options, 'downloads.issueArchiveUrl({ … })');
  const settings: Settings = parseSettings(where, options, ROUTER_KEYS, { authorize: true, signer: true });
  for (const name of ['fileIds', 'filename', 'downloadUrl', 'formatResponse'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TypeError(`${where}: \`${name}\` must be a function of the request.`);
  }
  const readIds = options.fileIds ?? bodyFileIds;
  const readFilename = options.filename ?? bodyFilename;
  const maxFiles = integerOption(where, 'maxFiles', options.maxFiles, 1000, 1, 100_000, 'files');
  const maxBytes = integerOption(where, 'maxBytes', options.maxBytes, DEFAULT_MAX_BYTES, 1, Number.MAX_SAFE_INTEGER, 'bytes');
  // Parsed here when the host has no body parser in front: room for maxFiles ids of up to 250 characters.
  const bodyLimit = Math.max(DEFAULT_BODY_LIMIT, maxFiles * BODY_BYTES_PER_ID);
  const path = parsePath(where, options.path, '/archive-url', false);
  const publicBaseUrl = parsePublicBaseUrl(where, options.publicBaseUrl);
  const config = { publicBaseUrl, allowedHosts: parseAllowedHosts(where, options.allowedHosts, publicBaseUrl), stableUrls: undefined };
  checkBindingSigner(where, settings);
  const uses = parseUseLimits(where, options, 'signed', settings);
  const store = archiveStoreOf(where, settings);
  const compression = options.compression ?? 'store';
  if (compression !== 'store' && compression !== 'deflate') throw new TypeError(`${where}: \`compression\` must be 'store' (exact length, resumable) or 'deflate' (smaller, no ranges).`);

  /** The records of `ids`, each checked as the single-file routers check one; the first refusal refuses all. */
  const authorizedFiles = async (req: Request, own: Settings, context: RequestContext, ids: string[]) => {
    const find = await recordFinder(own, ids, req);
    const files: { id: string; target: DownloadableFile }[] = [];
    for (const id of ids) {
      context.fileId = id;
      try {
        const file = await find(context);
        await checkAuthorized(req, own, file, context.principal);
        files.push({ id, target: downloadable(file) });
      } catch (error) {
        throw memberFailure(error, id);
      }
    }
    context.fileId = undefined;
    context.file = undefined;
    return files;
  };

  return downloadRouter(settings, (router) => router.post(path, downloadRoute(settings, async (req, res, context) => {
    context.principal = await authenticate(req, settings);
    if (options.fileIds === undefined || options.filename === undefined) await ensureBody(req, res, bodyLimit);
    const raw = idList(await readIds(req), maxFiles);
    if (raw.length === 0) throw new DownloadError('VALIDATION_ERROR', 'file_ids must name at least one file.', { details: { parameter: 'file_ids', in: 'body', reason: 'empty' } });
    const filename = checkedFilename(await readFilename(req));
    await resolveTenant(req, settings, context, context.principal);
    const own = await settingsFor(settings, context.tenant, req);
    const link = requestedLink(req, own.expiresIn ?? 3600, own.maxExpiresIn, useLimitsFor(own, uses, 'signed'), undefined);
    // An id asked for twice is one member.
    const ids = [...new Set(raw.map(checkedFileId))];
    const files = await authorizedFiles(req, own, context, ids);
    const names = memberNames(files.map(({ target }) => target));
    const members = await inTurns(files, MEASURING, ({ id, target }, index) => describeMember(own, target, id, names[index]!).catch((error: unknown) => {
      throw memberFailure(error, id);
    }));
    const size = layoutZip(zipMembers({ tenant: null, filename, members })).size;
    if (size > maxBytes) {
      throw new DownloadError('VALIDATION_ERROR', `The archive would be ${size} bytes; at most ${maxBytes} are allowed.`, { details: { parameter: 'file_ids', in: 'body', reason: 'too_large', size, max: maxBytes } });
    }
    const { text, digest } = sealManifest({ tenant: context.tenant ?? null, filename, members, ...(compression === 'deflate' ? { deflate: true as const } : {}) });
    const base = options.downloadUrl === undefined ? `${req.baseUrl}/archives/content` : await options.downloadUrl(req);
    const issued = await issueSignedLink(own, config, req, context.principal, base, {
      fileId: digest, tenant: context.tenant, disposition: 'attachment', expiresIn: link.expiresIn, maxUses: link.maxUses, archive: true,
    });
    try {
      await store.setManifest(digest, text, manifestExpiry(own, issued.expires), { tenant: context.tenant });
    } catch (error) {
      throw new DownloadError('STORAGE_ERROR', undefined, { cause: error });
    }
    const body: IssuedArchiveBody = {
      download_url: issued.url, token: issued.token, expires: issued.expires, expires_in: issued.expiresIn,
      expires_at: new Date(issued.expires * 1000).toISOString(), filename, ...(compression === 'deflate' ? {} : { size }),
      files: members.map((m) => ({ file_id: m.id, name: m.name, size: m.size })),
    };
    report(own, req, context, { type: 'issued', ...issued.event, members: members.map((m) => ({ fileId: m.id, name: m.name, size: m.size })) });
    const shaped = options.formatResponse === undefined ? body : await options.formatResponse(body, req);
    sendBody(req, res, 200, JSON.stringify(shaped), { 'Cache-Control': 'no-store' });
  })));
}
