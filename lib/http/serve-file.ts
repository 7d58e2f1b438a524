import { pipeline } from 'node:stream';
import type { Request, Response } from 'express';
import { DownloadError } from '../errors';
import type { HeaderMap, ServedEvent } from '../options/types';
import type { ByteRange, StorageAdapter, StorageStat } from '../storage/types';
import type { Disposition, FileRecord } from '../types';
import { evaluatePreconditions, rangeStillValid, type Validators } from './conditional';
import { resolveContentType } from './content-type';
import { dispositionHeader, downloadFilename } from './disposition';
import { decideRange } from './range';
import { openObject, statObject } from './read-storage';
import { sendJsonContent, wantsJson } from './json-content';

/** Everything the engine needs to answer for one file. */
export interface ServeFileInput {
  file: FileRecord;
  key: string;
  storage: StorageAdapter;
  /** The disposition asked for; the engine downgrades unsafe inline types to attachment. */
  disposition: Disposition;
  isInlineSafe: (contentType: string) => boolean;
  cacheControl: string;
  /** Host headers (from the `headers` hook); applied last. */
  headers: HeaderMap | undefined;
  json: false | { maxBytes: number };
  formatResponse: ((body: JsonFileBody, file: FileRecord, req: Request) => unknown) | undefined;
  /** Called once when the response is over, successful or not. */
  onServed: (outcome: Pick<ServedEvent, 'status' | 'bytes' | 'range' | 'aborted'>) => void;
}

/** The default JSON-mode body. */
export interface JsonFileBody {
  contentType: string;
  /** Base64 of the whole file. */
  data: string;
  filename: string | undefined;
  size: number;
}

/** What the engine knows about the object after the record and, if needed, `storage.stat`. */
export interface ObjectInfo extends Validators {
  size: number;
  contentType: string;
}

/** A record that carries its size and a validator spares the per-request stat round trip. */
async function describeObject(file: FileRecord, key: string, storage: StorageAdapter): Promise<ObjectInfo> {
  let stat: StorageStat | null = null;
  if (file.size === undefined || (file.etag === undefined && file.lastModified === undefined)) {
    stat = await statObject(storage, key);
    if (stat === null) throw new DownloadError('FILE_NOT_FOUND', undefined, { cause: new Error(`storage has no object ${key}`) });
  }
  return {
    size: file.size ?? stat!.size,
    etag: file.etag ?? stat?.etag,
    lastModified: file.lastModified ?? stat?.lastModified,
    contentType: resolveContentType(file, key, stat),
  };
}

function representationHeaders(input: ServeFileInput, info: ObjectInfo): HeaderMap {
  const disposition = input.disposition === 'inline' && input.isInlineSafe(info.contentType) ? 'inline' : 'attachment';
  const headers: HeaderMap = {
    'Content-Type': info.contentType,
    'Content-Disposition': dispositionHeader(disposition, downloadFilename(input.file.filename, input.key)),
    'Accept-Ranges': 'bytes',
    'Cache-Control': input.cacheControl,
    'X-Content-Type-Options': 'nosniff',
  };
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

function stream(res: Response, source: NodeJS.ReadableStream, input: ServeFileInput, status: number, range: ByteRange | undefined): void {
  let bytes = 0;
  source.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  // pipeline destroys the source when the client disconnects and destroys the
  // socket when the source fails, so a broken read is never a clean short body.
  pipeline(source, res, (error) => {
    input.onServed({ status, bytes, range, aborted: error !== undefined && error !== null });
  });
}

/**
 * Serves one stored file with the HTTP semantics of `express.static`: type,
 * disposition, validators, conditional requests, single ranges, HEAD and
 * streaming. Throws a `DownloadError` when the answer is an error and nothing
 * has been sent yet.
 */
export async function serveFile(req: Request, res: Response, input: ServeFileInput): Promise<void> {
  const info = await describeObject(input.file, input.key, input.storage);

  if (input.json !== false && wantsJson(req, info.contentType)) {
    await sendJsonContent(req, res, input, info);
    return;
  }

  const headers = { ...representationHeaders(input, info), ...input.headers };
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
  headers['Content-Length'] = range === undefined ? info.size : range.end - range.start + 1;
  if (range !== undefined) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${info.size}`;

  if (req.method === 'HEAD') {
    res.writeHead(status, headers as Record<string, string>);
    res.end();
    input.onServed({ status, bytes: 0, range, aborted: false });
    return;
  }

  const source = await openObject(input.storage, input.key, range);
  res.writeHead(status, headers as Record<string, string>);
  stream(res, source, input, status, range);
}
