import type { Request, Response } from 'express';
import type { HeaderMap } from '../options/types';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Ends a response with a small in-memory body (JSON by default), with its
 * length and `nosniff`; `headers` come last so a host may override any of
 * them. HEAD gets the headers only. Returns the body bytes sent.
 */
export function sendBody(req: Request, res: Response, status: number, text: string | undefined, headers: HeaderMap, contentType = JSON_TYPE): number {
  const all: HeaderMap = { 'X-Content-Type-Options': 'nosniff' };
  if (text !== undefined) {
    all['Content-Type'] = contentType;
    all['Content-Length'] = Buffer.byteLength(text);
  }
  res.writeHead(status, { ...all, ...headers } as Record<string, string | number | string[]>);
  const body = req.method === 'HEAD' ? undefined : text;
  res.end(body);
  return body === undefined ? 0 : Buffer.byteLength(body);
}
