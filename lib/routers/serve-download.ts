import { checkRouterOptions } from '../options/validate';
import type { Router } from 'express';
import type { Request } from 'express';
import { parseOffload, type OffloadOptions } from '../http/offload';
import type { JsonFileBody } from '../http/serve-file';
import { LINK_ONLY, parsePath, parseSettings } from '../options/settings';
import type { SharedOptions } from '../options/types';
import type { FileRecord } from '../types';
import { queryOf } from '../http/query';
import { requestedRendition } from '../renditions/requested';
import { authorizedFile } from './access';
import { downloadRoute, downloadRouter } from './context';
import { serveRecord, type ServeMode } from './serve-record';

/** Options of {@link serveDownload}. */
export interface ServeDownloadOptions<Principal = unknown, File extends FileRecord = FileRecord> extends SharedOptions<Principal, File> {
  /** Route inside the router (default `/:fileId/download`). */
  path?: string | undefined;
  /** Reshapes the JSON-mode body (`json` option). */
  formatResponse?: ((body: JsonFileBody, file: File, req: Request) => unknown) | undefined;
  /** Let nginx (`X-Accel-Redirect`) or Apache (`X-Sendfile`) send the bytes after every check; see the README. */
  offload?: OffloadOptions | undefined;
}

/**
 * Authenticated direct download: authenticate → find → tenant → authorize →
 * serve, answering GET and HEAD with Range and conditional-request support.
 * Responses are `Cache-Control: private, no-cache`: browsers may keep a copy
 * but revalidate it (cheaply, with 304) on every use.
 *
 * @example
 * ```ts
 * import { serveDownload } from 'express-signed-downloads';
 *
 * // GET|HEAD /files/:fileId/download with the app's own authentication.
 * app.use('/files', serveDownload({
 *   storage,
 *   authenticate: (req) => req.user ?? null,
 *   findFile: (id) => db.documents.findById(id),
 *   authorize: (_req, doc, user) => doc.ownerId === user.id,
 *   disposition: 'attachment',
 * }));
 * ```
 */
export function serveDownload<Principal = unknown, File extends FileRecord = FileRecord>(options: ServeDownloadOptions<Principal, File>): Router {
  const where = 'serveDownload';
  checkRouterOptions(where, options, 'serveDownload({ … })');
  const settings = parseSettings(where, options, ['path', 'formatResponse', 'offload'], { authorize: true, signer: false, unused: LINK_ONLY });
  const path = parsePath(where, options.path, '/:fileId/download', options.fileId === undefined);
  const offload = parseOffload(where, options.offload);
  return downloadRouter(settings, (router) => router.get(
    path,
    downloadRoute(settings, async (req, res, context) => {
      const { settings: own, ...target } = await authorizedFile(req, settings, context);
      await serveRecord(req, res, own, context, target, {
        signed: false,
        disposition: await own.disposition(target.file, req),
        cacheControl: 'private, no-cache',
        formatResponse: options.formatResponse as ServeMode['formatResponse'],
        offload,
        rendition: requestedRendition(own.renditions, queryOf(req)),
      });
    }),
  ));
}
