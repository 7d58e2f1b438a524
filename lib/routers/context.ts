import { Router } from 'express';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { DownloadError, toDownloadError } from '../errors';
import { emitEvent } from '../http/events';
import { sendError } from '../http/error-response';
import type { Settings } from '../options/settings';
import type { DownloadEvent, EventBase } from '../options/types';
import type { DownloadClaims } from '../tokens/signer';
import type { FileRecord } from '../types';

/** What a request has established so far; events report it even when the request fails. */
export interface RequestContext {
  fileId: string | undefined;
  tenant: string | undefined;
  principal: unknown;
  file: FileRecord | undefined;
  /** The verified token, on the signed route. */
  claims: DownloadClaims | undefined;
  /** Uses of an N-use link counted so far, this request's included, when this request counted one. */
  uses?: number;
  /** Why the request names no tenant, when the `tenant` hook returned something else than a name. */
  noTenant?: string;
  /** `performance.now()` when the router took the request. */
  started: number;
}

type Details<Event> = Event extends unknown ? Omit<Event, keyof EventBase> : never;

/** Calls `onEvent` with what the request has established so far and the event's own details. */
export function report(settings: Settings, req: Request, context: RequestContext, details: Details<DownloadEvent>): void {
  if (settings.onEvent === undefined) return;
  const { fileId, tenant, principal, file } = context;
  emitEvent(settings.onEvent, { req, fileId, tenant, principal, file, ...details } as DownloadEvent);
}

/**
 * Thrown by a signed route for a genuine token of the other kind (an
 * archive's at the file route, a file's at the archive route): the request
 * goes on to the next router, so both may share a mount even where their
 * paths overlap (`/archives/content` is also `/:fileId/content`).
 */
export const PASS_ON: unique symbol = Symbol('pass on');

/**
 * Wraps an async route so that every failure, from a hook or the engine,
 * becomes the host's error response (or, with `errors: 'next'`, Express's
 * `next(error)`) and a `denied` (4xx) or `failed` (5xx) event. Express 4
 * does not catch rejected promises, so nothing here may reject into Express.
 */
export function downloadRoute(settings: Settings, handle: (req: Request, res: Response, context: RequestContext) => Promise<void>): RequestHandler {
  return (req, res, next) => {
    const context: RequestContext = { fileId: undefined, tenant: undefined, principal: undefined, file: undefined, claims: undefined, started: performance.now() };
    handle(req, res, context)
      .catch(async (thrown: unknown) => {
        if (thrown === PASS_ON) {
          next();
          return;
        }
        const error = toDownloadError(thrown);
        if (settings.errors === 'next' && !res.headersSent) {
          report(settings, req, context, { type: error.status >= 500 ? 'failed' : 'denied', error, status: error.status });
          next(error);
          return;
        }
        const answered = await sendError(req, res, error, settings.formatError);
        report(settings, req, context, { type: answered.status >= 500 ? 'failed' : 'denied', error: answered, status: res.statusCode });
      })
      // Last line of defence: nothing may reject into Express 4 or crash the process.
      .catch(() => res.destroy());
  };
}

/**
 * The router every factory returns (`mergeParams: true`), with `register`
 * adding its routes. Express decodes route parameters while matching, and a
 * malformed percent-escape (`%ff`) would go to the app's error page with a
 * stack trace; the router answers it as 422 itself. Only errors raised inside
 * this router reach its error handler: Express skips a mounted router (a
 * three-argument function) while an error from before it is pending.
 */
export function downloadRouter(settings: Settings, register: (router: Router) => void): Router {
  const router = Router({ mergeParams: true });
  register(router);
  const malformedPath: ErrorRequestHandler = (error: unknown, req, res, next) => {
    if (!(error instanceof URIError)) return next(error);
    const answer = new DownloadError('VALIDATION_ERROR', 'The URL contains an invalid percent-encoding.', {
      cause: error, details: { parameter: 'path', in: 'path', reason: 'malformed_encoding' },
    });
    // Answered like any other failure: the host's envelope, a `denied` event.
    downloadRoute(settings, async () => {
      throw answer;
    })(req, res, next);
  };
  router.use(malformedPath);
  return router;
}
