import { Router } from 'express';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { DownloadError } from '../errors';
import { emitEvent } from '../http/events';
import { sendError } from '../http/error-response';
import type { Settings } from '../options/settings';

/** What a request has established so far; events report it even when the request fails. */
export interface RequestContext {
  fileId: string | undefined;
  tenant: string | undefined;
  /** `performance.now()` when the router took the request. */
  started: number;
}

/**
 * Wraps an async route so that every failure, from a hook or the engine,
 * becomes the host's error response and a `denied` event. Express 4 does not
 * catch rejected promises, so nothing here may reject into Express.
 */
export function downloadRoute(settings: Settings, handle: (req: Request, res: Response, context: RequestContext) => Promise<void>): RequestHandler {
  return (req, res) => {
    const context: RequestContext = { fileId: undefined, tenant: undefined, started: performance.now() };
    handle(req, res, context)
      .catch(async (thrown: unknown) => {
        const error = await sendError(req, res, thrown, settings.formatError);
        emitEvent(settings.onEvent, { type: 'denied', req, fileId: context.fileId, tenant: context.tenant, error, status: res.statusCode });
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
