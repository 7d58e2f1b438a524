import type { Request, Response } from 'express';
import type { HeaderMap } from '../options/types';
import type { StoredObject } from '../storage/types';
import { readRange } from './open-object';
import { Base64Chunks, base64Length } from './base64-chunks';
import { readChunks } from './read-chunks';
import { checkJsonSize } from './json-size';
import { bodyHeaders, sendBody } from './send-body';
import { takenWrites, type TakenWrites } from './taken-writes';
import type { JsonFileBody, JsonMode, ObjectInfo, ServeFileInput } from './types';

const JSON_TYPE = 'application/json';

/** The q-value an Accept entry gives, 1 when absent; media-type parameters other than q are ignored. */
function quality(parameters: string[]): number {
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=');
    if (name.trim().toLowerCase() === 'q') {
      const q = Number(value.trim());
      return Number.isFinite(q) ? Math.min(1, Math.max(0, q)) : 0;
    }
  }
  return 1;
}

/**
 * True when the client prefers JSON over the file's own type (RFC 9110
 * §12.5.1, case-insensitive; a `charset` on `application/json` still means
 * JSON). `*\/*` alone, as browsers send, keeps the bytes: JSON must be asked for.
 */
export function wantsJson(req: Request, essence: string): boolean {
  const accept = req.headers.accept;
  if (accept === undefined || !/json/i.test(accept)) return false;
  const [ownType] = essence.split('/');
  let json = 0;
  let file = 0;
  for (const entry of accept.split(',')) {
    const [range = '', ...parameters] = entry.split(';');
    const type = range.trim().toLowerCase();
    const q = quality(parameters);
    if (type === JSON_TYPE) json = Math.max(json, q);
    if (type === essence || type === `${ownType}/*` || type === '*/*') file = Math.max(file, q);
  }
  return json > 0 && json >= file;
}

/** How a JSON answer ended: the body bytes the socket took, and whether the client got all of them. */
interface Outcome {
  bytes: number;
  aborted: boolean;
}

/** A client that left before anything was read: nothing read, nothing sent. */
const GONE: Outcome = { bytes: 0, aborted: true };

/**
 * Bytes of the file read and encoded per step: a multiple of 3, so each
 * step's base64 stands alone, and 64 KiB of text. The budget is held per
 * step, so a client that does not read holds one step's text, not its file's.
 */
export const JSON_CHUNK = 48 * 1024;

/**
 * Answers with the whole file as base64 in JSON, refusing files over
 * `maxBytes` before reading them. HEAD answers with the headers only and
 * never reads (its length would need the encoding). The file bytes of each
 * step count against the router's byte budget (`json.maxBufferedBytes`)
 * until the socket has taken their base64 text, so clients
 * that do not read wait in line instead of piling up text in socket buffers;
 * nothing is read for a client that has gone (reported as aborted).
 */
export async function sendJsonContent(
  req: Request, res: Response, input: ServeFileInput, info: ObjectInfo, json: JsonMode, headers: HeaderMap, object: StoredObject,
): Promise<void> {
  checkJsonSize(info, json);
  if (req.method === 'HEAD') {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', ...headers } as Record<string, string>);
    res.end();
    input.onServed({ status: 200, bytes: 0, range: undefined, aborted: false });
    return;
  }
  const writes = takenWrites(req, res);
  const outcome = input.formatResponse === undefined
    ? await streamJson(res, info, json, headers, object, writes)
    : await sendFormatted(req, res, input, info, json, headers, object, writes);
  input.onServed({ status: 200, range: undefined, ...outcome });
}

/**
 * The default body, streamed: `{"contentType":…,"data":"` then the base64 a
 * step at a time, each step read only once the socket has taken the one
 * before, then `","filename":…,"size":…}` — byte for byte what
 * `JSON.stringify` gives for `{ contentType, data, filename, size }`, with its
 * length known up front. A store that fails before the first byte is an error
 * answer; after it, the connection is destroyed (never a short body that
 * looks complete).
 */
async function streamJson(res: Response, info: ObjectInfo, json: JsonMode, headers: HeaderMap, object: StoredObject, writes: TakenWrites): Promise<Outcome> {
  const { size, representation: { contentType, filename } } = info;
  const prefix = `{"contentType":${JSON.stringify(contentType)},"data":"`;
  const suffix = `"${filename === undefined ? '' : `,"filename":${JSON.stringify(filename)}`},"size":${size}}`;
  const length = Buffer.byteLength(prefix) + base64Length(size) + Buffer.byteLength(suffix);
  const reader = readChunks(object, size);
  const encoder = new Base64Chunks();
  // Reused from step to step: each step starts once the socket has taken the last one's bytes.
  const text = Buffer.allocUnsafeSlow(base64Length(Math.min(JSON_CHUNK, size) + 2));
  let read = 0;
  let sent = 0;
  try {
    do {
      const step = Math.min(JSON_CHUNK, size - read);
      const release = await json.budget.acquire(step);
      try {
        if (writes.over) break;
        let piece: Buffer;
        try {
          piece = step === 0 ? Buffer.alloc(0) : await reader.read(step);
        } catch (error) {
          if (!res.headersSent) throw error;
          res.destroy();
          break;
        }
        if (writes.over) break;
        read += piece.length;
        const last = read === size;
        const parts = [encoder.encode(piece, last, text)];
        if (!res.headersSent) {
          res.writeHead(200, bodyHeaders(length, headers));
          parts.unshift(Buffer.from(prefix));
        }
        if (last) parts.push(Buffer.from(suffix));
        const chunk = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
        if (last) {
          res.end(chunk);
          await writes.done;
          if (res.writableFinished) sent += chunk.length;
        } else if (await writes.write(chunk)) {
          sent += chunk.length;
        } else {
          break;
        }
      } finally {
        release();
      }
    } while (read < size);
  } finally {
    reader.close();
  }
  return { bytes: sent, aborted: sent < length || !res.writableFinished };
}

/**
 * A body the host reshapes needs the whole base64 text as a string: it is
 * built at once, and its budget is held until the response is over (the
 * socket took it all, or the client is gone).
 */
async function sendFormatted(
  req: Request, res: Response, input: ServeFileInput, info: ObjectInfo, json: JsonMode, headers: HeaderMap, object: StoredObject, writes: TakenWrites,
): Promise<Outcome> {
  const release = await json.budget.acquire(info.size);
  try {
    if (writes.over) return GONE;
    const data = info.size === 0 ? Buffer.alloc(0) : await readRange(object, { start: 0, end: info.size - 1 });
    const body: JsonFileBody = {
      contentType: info.representation.contentType,
      data: data.toString('base64'),
      filename: info.representation.filename,
      size: data.length,
    };
    const text = JSON.stringify(await input.formatResponse!(body, input.file, req));
    if (writes.over) return GONE;
    const bytes = sendBody(req, res, 200, text, headers);
    await writes.done;
    return res.writableFinished ? { bytes, aborted: false } : { bytes: 0, aborted: true };
  } finally {
    release();
  }
}
