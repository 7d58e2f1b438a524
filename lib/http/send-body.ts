import type { Request, Response } from 'express';
import type { HeaderMap } from '../options/types';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The headers of a body of `length` bytes (none when there is no body):
 * type, length and `nosniff`, then `headers`, last, so a host may override
 * any of them.
 */
export function bodyHeaders(length: number | undefined, headers: HeaderMap, contentType = JSON_TYPE): Record<string, string | number | string[]> {
  const all: HeaderMap = { 'X-Content-Type-Options': 'nosniff' };
  if (length !== undefined) {
    all['Content-Type'] = contentType;
    all['Content-Length'] = length;
  }
  return { ...all, ...headers } as Record<string, string | number | string[]>;
}

/**
 * Ends a response with a small in-memory body (JSON by default), with its
 * length and `nosniff` (see `bodyHeaders`). HEAD gets the headers only.
 * Returns the body bytes sent.
 */
export function sendBody(req: Request, res: Response, status: number, text: string | undefined, headers: HeaderMap, contentType = JSON_TYPE): number {
  res.writeHead(status, bodyHeaders(text === undefined ? undefined : Buffer.byteLength(text), headers, contentType));
  const body = req.method === 'HEAD' ? undefined : text;
  res.end(body);
  return body === undefined ? 0 : Buffer.byteLength(body);
}
