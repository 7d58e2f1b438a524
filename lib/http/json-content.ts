import type { Request, Response } from 'express';
import { DownloadError } from '../errors';
import type { HeaderMap } from '../options/types';
import type { StoredObject } from '../storage/types';
import { readRange } from './open-object';
import { sendBody } from './send-body';
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

/**
 * Answers with the whole file as base64 in JSON, refusing files over
 * `maxBytes` before reading them. HEAD answers with the headers only and
 * never reads (its length would need the encoding). Reads wait for room in
 * the router's byte budget.
 */
export async function sendJsonContent(
  req: Request, res: Response, input: ServeFileInput, info: ObjectInfo, json: JsonMode, headers: HeaderMap, object: StoredObject,
): Promise<void> {
  if (info.size > json.maxBytes) {
    throw new DownloadError('JSON_TOO_LARGE', `This file is larger than ${json.maxBytes} bytes and cannot be returned as JSON.`);
  }
  if (req.method === 'HEAD') {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', ...headers } as Record<string, string>);
    res.end();
    input.onServed({ status: 200, bytes: 0, range: undefined, aborted: false });
    return;
  }
  const release = await json.budget.acquire(info.size);
  let text: string;
  try {
    const data = info.size === 0 ? Buffer.alloc(0) : await readRange(object, { start: 0, end: info.size - 1 });
    const body: JsonFileBody = {
      contentType: info.representation.contentType,
      data: data.toString('base64'),
      filename: info.representation.filename,
      size: data.length,
    };
    const shaped = input.formatResponse === undefined ? body : await input.formatResponse(body, input.file, req);
    text = JSON.stringify(shaped);
  } finally {
    release();
  }
  const bytes = sendBody(req, res, 200, text, headers);
  input.onServed({ status: 200, bytes, range: undefined, aborted: false });
}
