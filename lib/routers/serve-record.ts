import type { Request, Response } from 'express';
import { DownloadError } from '../errors';
import { checkHeaders } from '../http/check-headers';
import { openObject } from '../http/open-object';
import { wantsJson } from '../http/json-content';
import type { Offload } from '../http/offload';
import { represent } from '../http/representation';
import type { Admission } from '../http/types';
import { contentHeaders, serveFile, type JsonFileBody } from '../http/serve-file';
import type { Settings } from '../options/settings';
import type { HeaderMap } from '../options/types';
import type { Disposition, FileRecord } from '../types';
import type { DownloadableFile } from './access';
import { report, type RequestContext } from './context';
import { wrongResult } from './hook-result';
import { renditionTarget } from '../renditions/serve-rendition';

/** How one serving router differs from the other. */
export interface ServeMode {
  signed: boolean;
  disposition: Disposition;
  cacheControl: string;
  /** Router headers that sit under the host's `headers` hook. */
  headers?: HeaderMap;
  formatResponse: ((body: JsonFileBody, file: FileRecord, req: Request) => unknown) | undefined;
  /** Hand the bytes to the web server in front (not for JSON-mode answers, which need the bytes here). */
  offload?: Offload | undefined;
  /** A last check once the answer is known (see `ServeFileInput.admit`). */
  admit?: ((admission: Admission) => Promise<void>) | undefined;
  /** The link's own ETag (see `ServeFileInput.linkTag`). */
  linkTag?: ((validator: string) => string) | undefined;
  /** See `ServeFileInput.etagOnlyWithBytes`. */
  etagOnlyWithBytes?: boolean | undefined;
  /** The image rendition to serve instead of the file (canonical, from the token or the query). */
  rendition?: string | undefined;
}

const isHeaderValue = (value: unknown) =>
  typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || (Array.isArray(value) && value.every((item) => typeof item === 'string'));

/** What the `headers` hook returned, if it is a header map whose every value can be sent. */
function checkedHeaders(value: unknown): HeaderMap | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw wrongResult('headers', value, 'an object of header names to strings, numbers or string arrays, or undefined');
  for (const [name, item] of Object.entries(value)) {
    if (!isHeaderValue(item)) throw wrongResult('headers', { [name]: item === undefined ? '(undefined)' : item }, `a string, number or string array for ${name} (leave out a header rather than give it undefined)`);
  }
  return value as HeaderMap;
}

/**
 * Answers with the offload header when the web server in front can send this
 * file; false when the app must send it (JSON mode, a name the header cannot
 * carry). Every refusal, and every header, is checked before a use is
 * counted, so a failure never spends a counted link.
 */
async function offloaded(req: Request, res: Response, settings: Settings, target: DownloadableFile, mode: ServeMode, headers: HeaderMap | undefined): Promise<boolean> {
  const offload = mode.offload!;
  const representation = represent(target.file, target.key, undefined, mode.disposition, settings.isInlineSafe);
  if (settings.json !== false && wantsJson(req, representation.essence)) return false;
  const where = offload.target(target.key);
  if (where.kind === 'serve-here') return false;
  if (where.kind === 'refuse') throw new DownloadError('FILE_NOT_FOUND', undefined, { cause: new Error(`key ${JSON.stringify(target.key)} cannot be offloaded`) });
  // The web server would answer a directory with its own redirect, naming the internal location:
  // only a regular file the storage has is handed over (fsStorage opens nothing else).
  const object = await openObject(settings.storage, target.key, { body: false }, {});
  if (object === null) throw new DownloadError('FILE_NOT_FOUND', undefined, { cause: new Error(`storage has no object ${target.key}`) });
  object.close();
  const answer = { ...contentHeaders(representation, mode.cacheControl), [offload.header]: where.location, ...headers };
  checkHeaders(answer);
  // The web server answers Range and validators itself, with validators of its own: no request
  // can be proven a continuation or a revalidation here, so every GET counts.
  await mode.admit?.({ continuation: false, delivers: req.method !== 'HEAD', revalidated: false });
  res.writeHead(200, answer as Record<string, string>);
  res.end();
  return true;
}

/** Hands a checked file to the engine and reports the outcome as a `served` event. */
export async function serveRecord(req: Request, res: Response, settings: Settings, context: RequestContext, target: DownloadableFile, mode: ServeMode): Promise<void> {
  const hostHeaders = settings.headers === undefined ? undefined : checkedHeaders(await settings.headers(target.file, req));
  const served = (outcome: { status: number; bytes: number; range: { start: number; end: number } | undefined; aborted: boolean }, offloaded = false) =>
    report(settings, req, context, {
      type: 'served',
      signed: mode.signed,
      durationMs: performance.now() - context.started,
      offloaded,
      claims: context.claims,
      uses: context.uses,
      ...outcome,
    });
  const routerHeaders = mode.headers === undefined ? hostHeaders : { ...mode.headers, ...hostHeaders };
  // A rendition is made here, never by the web server in front: it serves what it has, the file.
  const rendition = mode.rendition === undefined ? undefined : await renditionTarget(req, settings, context.tenant, target, mode.rendition);
  const headers = rendition?.varies === true ? { Vary: 'Accept', ...routerHeaders } : routerHeaders;
  if (rendition === undefined && mode.offload !== undefined && (await offloaded(req, res, settings, target, mode, headers))) {
    served({ status: 200, bytes: 0, range: undefined, aborted: false }, true);
    return;
  }
  const origin = rendition ?? target;
  await serveFile(req, res, {
    file: origin.file,
    key: origin.key,
    known: origin.known,
    storage: rendition?.storage ?? settings.storage,
    disposition: mode.disposition,
    isInlineSafe: settings.isInlineSafe,
    cacheControl: mode.cacheControl,
    headers,
    json: settings.json,
    budget: settings.budget,
    formatResponse: mode.formatResponse,
    admit: mode.admit,
    linkTag: mode.linkTag,
    etagOnlyWithBytes: mode.etagOnlyWithBytes,
    onServed: served,
  });
}
