import type { Request, Response } from 'express';
import { DownloadError, toDownloadError } from '../errors';
import type { ErrorResponse, HeaderMap } from '../options/types';

type FormatError = ((error: DownloadError, req: Request) => ErrorResponse) | undefined;

function defaultEnvelope(error: DownloadError): ErrorResponse {
  const body: Record<string, unknown> = { code: error.code, message: error.message, status: error.status };
  if (error.details !== undefined) body.details = error.details;
  return { status: error.status, body: { error: body } };
}

function hostEnvelope(error: DownloadError, req: Request, formatError: FormatError): ErrorResponse {
  if (formatError === undefined) return defaultEnvelope(error);
  try {
    const response = formatError(error, req);
    const status = response.status ?? error.status;
    if (!Number.isInteger(status) || status < 100 || status > 999) throw new RangeError(`formatError returned status ${status}`);
    return { ...response, status };
  } catch {
    return defaultEnvelope(new DownloadError('INTERNAL_ERROR'));
  }
}

/**
 * Answers with an error. Before the headers went out that is the host's
 * envelope; after, the only honest signal left is a broken connection.
 */
export function sendError(req: Request, res: Response, thrown: unknown, formatError: FormatError): DownloadError {
  const error = toDownloadError(thrown);
  if (res.headersSent) {
    res.destroy();
    return error;
  }
  const response = hostEnvelope(error, req, formatError);
  const { body } = response;
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const headers: HeaderMap = {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...error.headers,
  };
  if (text !== undefined) {
    headers['Content-Type'] = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
    headers['Content-Length'] = Buffer.byteLength(text);
  }
  Object.assign(headers, response.headers);
  res.writeHead(response.status ?? error.status, headers as Record<string, string | number | string[]>);
  res.end(req.method === 'HEAD' ? undefined : text);
  return error;
}
