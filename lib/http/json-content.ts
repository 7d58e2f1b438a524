import type { Request, Response } from 'express';
import { DownloadError } from '../errors';
import { downloadFilename } from './disposition';
import { openObject } from './read-storage';
import { sendBody } from './send-body';
import type { JsonFileBody, ObjectInfo, ServeFileInput } from './serve-file';

const JSON_TYPE = 'application/json';

/** True when the client prefers JSON over the file's own type (`*\/*` still gets the bytes). */
export function wantsJson(req: Request, contentType: string): boolean {
  const accept = req.headers.accept;
  if (accept === undefined || !accept.includes('json')) return false;
  return req.accepts([contentType, JSON_TYPE]) === JSON_TYPE;
}

async function readAll(source: NodeJS.ReadableStream, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of source) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += buffer.length;
    // The stat said it fits; a store that returns more is cut off rather than trusted.
    if (total > maxBytes) {
      (source as { destroy?: () => void }).destroy?.();
      throw new DownloadError('JSON_TOO_LARGE');
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}

/** Answers with the whole file as base64 in JSON, refusing files over `maxBytes` before reading them. */
export async function sendJsonContent(req: Request, res: Response, input: ServeFileInput, info: ObjectInfo): Promise<void> {
  const { maxBytes } = input.json as { maxBytes: number };
  if (info.size > maxBytes) {
    throw new DownloadError('JSON_TOO_LARGE', `This file is larger than ${maxBytes} bytes and cannot be returned as JSON.`);
  }
  const data = await readAll(await openObject(input.storage, input.key), maxBytes);
  const body: JsonFileBody = {
    contentType: info.contentType,
    data: data.toString('base64'),
    filename: downloadFilename(input.file.filename, input.key),
    size: data.length,
  };
  const shaped = input.formatResponse === undefined ? body : input.formatResponse(body, input.file, req);
  const bytes = sendBody(req, res, 200, JSON.stringify(shaped), { 'Cache-Control': input.cacheControl, Vary: 'Accept', ...input.headers });
  input.onServed({ status: 200, bytes, range: undefined, aborted: false });
}
