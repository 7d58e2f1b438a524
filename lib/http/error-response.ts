import type { Request, Response } from 'express';
import { DownloadError, toDownloadError } from '../errors';
import type { ErrorResponse } from '../options/types';
import { sendBody } from './send-body';

type FormatError = ((error: DownloadError, req: Request) => ErrorResponse | Promise<ErrorResponse>) | undefined;

function defaultEnvelope(error: DownloadError): ErrorResponse {
  const body: Record<string, unknown> = { code: error.code, message: error.message, status: error.status };
  if (error.details !== undefined) body.details = error.details;
  return { status: error.status, body: { error: body } };
}

async function hostEnvelope(error: DownloadError, req: Request, formatError: FormatError): Promise<ErrorResponse> {
  if (formatError === undefined) return defaultEnvelope(error);
  try {
    const response = await formatError(error, req);
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
 * Never rejects: `formatError` may be async, and whatever it does is caught.
 */
export async function sendError(req: Request, res: Response, thrown: unknown, formatError: FormatError): Promise<DownloadError> {
  const error = toDownloadError(thrown);
  if (res.headersSent) {
    res.destroy();
    return error;
  }
  const envelope = await hostEnvelope(error, req, formatError);
  // The client may have gone while an async formatError ran.
  if (res.headersSent || res.destroyed) return error;
  try {
    send(req, res, error, envelope);
  } catch {
    // The host's envelope could not be sent (a body JSON cannot encode, an invalid header):
    // fall back to ours, and never let the failure escape into the process.
    try {
      send(req, res, error, defaultEnvelope(new DownloadError('INTERNAL_ERROR')));
    } catch {
      res.destroy();
    }
  }
  return error;
}

function send(req: Request, res: Response, error: DownloadError, response: ErrorResponse): void {
  const { body } = response;
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  sendBody(
    req, res, response.status ?? error.status, text,
    { 'Cache-Control': 'no-store', ...error.headers, ...response.headers },
    typeof body === 'string' ? 'text/plain; charset=utf-8' : undefined,
  );
}
