import type { Request, Response } from 'express';
import { DownloadError } from '../errors';
import type { HeaderMap } from '../options/types';
import { readAtBuffer } from '../storage/read-at-buffer';
import type { ByteRange, OpenOptions, StoredObject } from '../storage/types';
import { checkHeaders } from './check-headers';
import { continuesTransfer, evaluatePreconditions, namesTag, rangeStillValid, revalidatesCopy } from './conditional';
import { sendJsonContent, wantsJson } from './json-content';
import { checkJsonSize } from './json-size';
import { openObject, readRange } from './open-object';
import { decideRange, rangeHint } from './range';
import { represent, type Representation } from './representation';
import { sendExactly } from './send-exactly';
import { sendPositional } from './send-positional';
import { clientGone } from './response-done';
import type { ObjectInfo, ServeFileInput } from './types';

export type { JsonFileBody, ServeFileInput } from './types';

/**
 * Bodies up to this size are read in one call and sent with one
 * `res.end(buffer)`: no stream, no per-chunk bookkeeping (chosen by
 * measurement, see the README's Performance section).
 */
export const SMALL_BODY = 64 * 1024;

/** What the engine tells the store: enough to fetch only what this request can use. */
function openOptions(req: Request, input: ServeFileInput): OpenOptions {
  const { headers } = req;
  const options: OpenOptions = { body: req.method !== 'HEAD', range: rangeHint(headers.range) };
  // The store may answer 304 itself only when its validators are the ones served (the record
  // states none) and nothing must be checked before (RFC 9110 §13.2.2).
  const ownValidators = input.known.etag === undefined && input.known.lastModified === undefined && input.linkTag === undefined;
  if (ownValidators && headers['if-match'] === undefined && headers['if-unmodified-since'] === undefined) {
    if (headers['if-none-match'] !== undefined) options.ifNoneMatch = headers['if-none-match'];
    else if (headers['if-modified-since'] !== undefined) options.ifModifiedSince = headers['if-modified-since'];
  }
  return options;
}

/**
 * A link's own ETag: derived from the file's ETag, or from its size and
 * modification time when the store gives no ETag (a changed file still
 * changes it). Nothing to derive from, no ETag.
 */
function linkValidator(linkTag: (validator: string) => string, etag: string | undefined, size: number, lastModified: Date | undefined): string | undefined {
  if (etag !== undefined) return linkTag(etag);
  return lastModified === undefined ? undefined : linkTag(`${size}-${lastModified.getTime()}`);
}

/**
 * The size is the store's: it holds the bytes (a stale record size must not
 * cut or pad a body). Validators the record states win, so a host can tie
 * ETags to its own versions; the store's fill the rest.
 */
function describe(input: ServeFileInput, object: StoredObject): ObjectInfo {
  const { known } = input;
  const etag = known.etag ?? object.etag;
  const lastModified = known.lastModified ?? object.lastModified;
  return {
    size: object.size,
    etag: input.linkTag === undefined ? etag : linkValidator(input.linkTag, etag, object.size, lastModified),
    lastModified,
    representation: represent(input.file, input.key, object.contentType, input.disposition, input.isInlineSafe),
  };
}

/**
 * What every served file carries, whoever sends the bytes (this engine or a
 * web server the response is offloaded to): type, disposition, caching,
 * `nosniff`, and a sandbox for any document opened from the app's origin (no
 * script, no same-origin access, whatever slips past the type checks).
 * Chromium refuses to render a sandboxed PDF, so an inline PDF goes without it.
 */
export function contentHeaders(representation: Representation, cacheControl: string): HeaderMap {
  const headers: HeaderMap = {
    'Content-Type': representation.contentType,
    'Content-Disposition': representation.contentDisposition,
    'Cache-Control': cacheControl,
    'X-Content-Type-Options': 'nosniff',
  };
  if (!(representation.disposition === 'inline' && representation.essence === 'application/pdf')) headers['Content-Security-Policy'] = 'sandbox';
  return headers;
}

function representationHeaders(input: ServeFileInput, info: ObjectInfo): HeaderMap {
  const headers = contentHeaders(info.representation, input.cacheControl);
  headers['Accept-Ranges'] = 'bytes';
  if (info.etag !== undefined) headers.ETag = info.etag;
  if (info.lastModified !== undefined) headers['Last-Modified'] = info.lastModified.toUTCString();
  // The same URL answers bytes or JSON, so shared caches must key on Accept.
  if (input.json !== false) headers.Vary = 'Accept';
  return headers;
}

/** RFC 9110 §15.4.5: a 304 carries the validators and caching headers, not the content headers. */
function notModifiedHeaders(headers: HeaderMap): HeaderMap {
  const kept: HeaderMap = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!/^content-/i.test(name)) kept[name] = value;
  }
  return kept;
}

/** Headers only: HEAD, 304 and empty bodies. */
function sendHeaders(res: Response, status: number, headers: HeaderMap): void {
  res.writeHead(status, headers as Record<string, string>);
  res.end();
}

/**
 * Serves one stored file with the HTTP semantics of `express.static`: type,
 * disposition, validators, conditional requests, single ranges, HEAD and
 * streaming, from one trip into storage. Throws a `DownloadError` when the
 * answer is an error and nothing has been sent yet.
 */
export async function serveFile(req: Request, res: Response, input: ServeFileInput): Promise<void> {
  const object = await openObject(input.storage, input.key, openOptions(req, input), input.known);
  if (object === null) throw new DownloadError('FILE_NOT_FOUND', undefined, { cause: new Error(`storage has no object ${input.key}`) });
  // The object is closed exactly once: here when nothing is streamed, else when the body ends.
  let streaming = false;
  try {
    streaming = await answer(req, res, input, object);
  } finally {
    if (!streaming) object.close();
  }
}

/** Answers for an open object; true when a body is streaming and will close the object itself. */
async function answer(req: Request, res: Response, input: ServeFileInput, object: StoredObject): Promise<boolean> {
  const info = describe(input, object);
  // A client that hung up after sending its request gets nothing: nothing is read, nothing counted.
  if (input.admit !== undefined && clientGone(res)) {
    input.onServed({ status: 200, bytes: 0, range: undefined, aborted: true });
    return false;
  }

  if (input.json !== false && wantsJson(req, info.representation.essence)) {
    if (input.headers !== undefined) checkHeaders(input.headers);
    // Every refusal comes before the gate: only an answer that delivers may count a use.
    checkJsonSize(info, input.json);
    await input.admit?.({ continuation: false, delivers: req.method !== 'HEAD', revalidated: false });
    const headers: HeaderMap = { 'Cache-Control': input.cacheControl, Vary: 'Accept', 'X-Content-Type-Options': 'nosniff', ...input.headers };
    await sendJsonContent(req, res, input, info, input.json, headers, object);
    return false;
  }

  // Only what came from outside is checked: the type is normalised, the
  // disposition encoded by content-disposition, the rest built here.
  if (info.etag !== undefined) checkHeaders({ ETag: info.etag });
  if (input.headers !== undefined) checkHeaders(input.headers);
  const headers = { ...representationHeaders(input, info), ...input.headers };
  const precondition = object.notModified === true ? 'not-modified' : evaluatePreconditions(req.method, req.headers, info);
  // A stale If-Range turns the request into a plain GET (the whole file).
  const decision = precondition === 'proceed' ? decideRange(rangeStillValid(req.headers, info) ? req.headers.range : undefined, info.size) : undefined;
  if (input.admit !== undefined) {
    const delivers = req.method !== 'HEAD' && decision !== undefined && decision.kind !== 'unsatisfiable';
    await input.admit({
      continuation: decision?.kind === 'partial' && continuesTransfer(req.headers, info.etag, decision.range),
      delivers,
      revalidated: precondition === 'not-modified' && revalidatesCopy(req.headers, info.etag),
    });
  }
  if (precondition === 'failed') throw new DownloadError('PRECONDITION_FAILED');
  // A counted link's ETag is the proof that continues a transfer for free: only an answer with
  // bytes gives it out, or one to a request that named it already (issue 15).
  if (input.etagOnlyWithBytes === true && (req.method === 'HEAD' || decision === undefined) && !namesTag(req.headers, info.etag)) delete headers.ETag;
  if (decision === undefined) {
    sendHeaders(res, 304, notModifiedHeaders(headers));
    input.onServed({ status: 304, bytes: 0, range: undefined, aborted: false });
    return false;
  }
  if (decision.kind === 'unsatisfiable') {
    throw new DownloadError('RANGE_NOT_SATISFIABLE', undefined, { headers: { 'Content-Range': `bytes */${info.size}` } });
  }
  const range = decision.kind === 'partial' ? decision.range : undefined;
  const status = range === undefined ? 200 : 206;
  const length = range === undefined ? info.size : range.end - range.start + 1;
  headers['Content-Length'] = length;
  if (range !== undefined) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${info.size}`;

  if (req.method === 'HEAD' || length === 0) {
    sendHeaders(res, status, headers);
    input.onServed({ status, bytes: 0, range, aborted: false });
    return false;
  }

  // Always an explicit range: a full read asks for exactly the announced bytes.
  const wanted: ByteRange = range ?? { start: 0, end: info.size - 1 };
  // A small body goes out in one write (from memory, or from one read); a
  // large one is streamed even from memory, with its progress accounted.
  if (length <= SMALL_BODY && (object.body !== undefined || object.readAt !== undefined)) {
    const body = await readRange(object, wanted);
    res.writeHead(status, headers as Record<string, string>);
    res.end(body);
    input.onServed({ status, bytes: length, range, aborted: false });
    return false;
  }
  const done = (outcome: { bytes: number; aborted: boolean }) => {
    object.close();
    input.onServed({ status, range, ...outcome });
  };
  // An object given as bytes alone (`body`) is read like a descriptor.
  const readAt = object.readAt ?? (object.stream === undefined && object.body !== undefined ? readAtBuffer(object.body) : undefined);
  if (readAt !== undefined) {
    res.writeHead(status, headers as Record<string, string>);
    sendPositional(readAt, res, wanted, input.budget, done);
    return true;
  }
  const source = await object.stream!(wanted);
  res.writeHead(status, headers as Record<string, string>);
  sendExactly(source, res, length, done);
  return true;
}
