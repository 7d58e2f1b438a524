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

/** The answer that replaces the host's when `formatError` fails: the default 500, with what went wrong as its cause. */
function envelopeFailure(error: DownloadError, problem: unknown): DownloadError {
  const reason = problem instanceof Error ? problem.message : describe(problem);
  return new DownloadError('INTERNAL_ERROR', undefined, { cause: new Error(`formatError failed while answering ${error.code}: ${reason}`, { cause: problem }) });
}

/** The host's envelope, or the error that replaces it (then answered with the default envelope). */
async function hostEnvelope(error: DownloadError, req: Request, formatError: FormatError): Promise<ErrorResponse | DownloadError> {
  if (formatError === undefined) return defaultEnvelope(error);
  let response: unknown;
  try {
    response = await formatError(error, req);
  } catch (thrown) {
    return envelopeFailure(error, thrown);
  }
  const { status = error.status } = (response ?? {}) as { status?: unknown };
  if (typeof response !== 'object' || response === null || !('body' in response)) {
    return envelopeFailure(error, new TypeError(`formatError returned ${describe(response)}; expected { status?, body, headers? } (body: undefined sends no body)`));
  }
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 999) {
    return envelopeFailure(error, new RangeError(`formatError returned status ${describe(status)}; expected an integer from 100 to 999`));
  }
  return { ...(response as ErrorResponse), status };
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return typeof value;
  }
}

/**
 * Answers with an error. Before the headers went out that is the host's
 * envelope; after, the only honest signal left is a broken connection.
 * Never rejects: `formatError` may be async, and whatever it does is caught.
 * Returns the error that was answered: the one given, or the 500 that
 * replaced a `formatError` that failed (its cause says how).
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
  if (envelope instanceof DownloadError) return sendDefault(req, res, envelope);
  try {
    send(req, res, error, envelope);
  } catch (problem) {
    // The host's envelope could not be sent (a body JSON cannot encode, an invalid header):
    // fall back to ours, and never let the failure escape into the process.
    return sendDefault(req, res, envelopeFailure(error, problem));
  }
  return error;
}

function sendDefault(req: Request, res: Response, error: DownloadError): DownloadError {
  try {
    send(req, res, error, defaultEnvelope(error));
  } catch {
    res.destroy();
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
