import type { Request, Response } from 'express';
import { DownloadError } from '../errors';
import type { HeaderMap } from '../options/types';
import type { ByteRange, StorageStat } from '../storage/types';
import { checkHeaders } from './check-headers';
import { evaluatePreconditions, rangeStillValid } from './conditional';
import { sendJsonContent, wantsJson } from './json-content';
import { decideRange } from './range';
import { openObject, statObject } from './read-storage';
import { represent } from './representation';
import { sendExactly } from './send-exactly';
import type { ObjectInfo, ServeFileInput } from './types';

export type { JsonFileBody, ServeFileInput } from './types';

/** A record that carries its size and a validator spares the per-request stat round trip. */
async function describeObject(input: ServeFileInput): Promise<ObjectInfo> {
  const { known, key } = input;
  let stat: StorageStat | null = null;
  if (known.size === undefined || (known.etag === undefined && known.lastModified === undefined)) {
    stat = await statObject(input.storage, key);
    if (stat === null) throw new DownloadError('FILE_NOT_FOUND', undefined, { cause: new Error(`storage has no object ${key}`) });
  }
  return {
    size: known.size ?? stat!.size,
    etag: known.etag ?? stat?.etag,
    lastModified: known.lastModified ?? stat?.lastModified,
    representation: represent(input.file, key, stat?.contentType, input.disposition, input.isInlineSafe),
  };
}

function representationHeaders(input: ServeFileInput, info: ObjectInfo): HeaderMap {
  const { representation } = info;
  const headers: HeaderMap = {
    'Content-Type': representation.contentType,
    'Content-Disposition': representation.contentDisposition,
    'Accept-Ranges': 'bytes',
    'Cache-Control': input.cacheControl,
    'X-Content-Type-Options': 'nosniff',
  };
  // A document opened from the app's origin runs in a sandbox: no script, no
  // same-origin access, whatever slips past the type checks. Chromium refuses
  // to render a sandboxed PDF, so an inline PDF goes without it.
  if (!(representation.disposition === 'inline' && representation.essence === 'application/pdf')) headers['Content-Security-Policy'] = 'sandbox';
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

/**
 * Serves one stored file with the HTTP semantics of `express.static`: type,
 * disposition, validators, conditional requests, single ranges, HEAD and
 * streaming. Throws a `DownloadError` when the answer is an error and nothing
 * has been sent yet.
 */
export async function serveFile(req: Request, res: Response, input: ServeFileInput): Promise<void> {
  const info = await describeObject(input);

  if (input.json !== false && wantsJson(req, info.representation.essence)) {
    const headers: HeaderMap = { 'Cache-Control': input.cacheControl, Vary: 'Accept', 'X-Content-Type-Options': 'nosniff', ...input.headers };
    checkHeaders(headers);
    await sendJsonContent(req, res, input, info, input.json, headers);
    return;
  }

  const headers = { ...representationHeaders(input, info), ...input.headers };
  checkHeaders(headers);
  const precondition = evaluatePreconditions(req.method, req.headers, info);
  if (precondition === 'failed') throw new DownloadError('PRECONDITION_FAILED');
  if (precondition === 'not-modified') {
    res.writeHead(304, notModifiedHeaders(headers) as Record<string, string>);
    res.end();
    input.onServed({ status: 304, bytes: 0, range: undefined, aborted: false });
    return;
  }

  // A stale If-Range turns the request into a plain GET (the whole file).
  const decision = decideRange(rangeStillValid(req.headers, info) ? req.headers.range : undefined, info.size);
  if (decision.kind === 'unsatisfiable') {
    throw new DownloadError('RANGE_NOT_SATISFIABLE', undefined, { headers: { 'Content-Range': `bytes */${info.size}` } });
  }
  const range = decision.kind === 'partial' ? decision.range : undefined;
  const status = range === undefined ? 200 : 206;
  const length = range === undefined ? info.size : range.end - range.start + 1;
  headers['Content-Length'] = length;
  if (range !== undefined) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${info.size}`;

  if (req.method === 'HEAD' || length === 0) {
    res.writeHead(status, headers as Record<string, string>);
    res.end();
    input.onServed({ status, bytes: 0, range, aborted: false });
    return;
  }

  // Always an explicit range: a full read asks for exactly the announced bytes.
  const wanted: ByteRange = range ?? { start: 0, end: info.size - 1 };
  const source = await openObject(input.storage, input.key, wanted);
  res.writeHead(status, headers as Record<string, string>);
  sendExactly(source, res, length, (outcome) => input.onServed({ status, range, ...outcome }));
}
