import type { Request, RequestHandler, Response } from 'express';
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
