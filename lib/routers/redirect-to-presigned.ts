import { checkRouterOptions } from '../options/validate';
import type { Router } from 'express';
import { LINK_ONLY, parsePath, parseSettings } from '../options/settings';
import type { SharedOptions } from '../options/types';
import type { FileRecord } from '../types';
import { authorizedFile } from './access';
import { downloadRoute, downloadRouter, report } from './context';
import { presignFile } from './presign';
import { NO_USE_LIMITS, requestedLink } from './query-options';

/** Options of {@link redirectToPresigned}. */
export interface RedirectToPresignedOptions<Principal = unknown, File extends FileRecord = FileRecord> extends SharedOptions<Principal, File> {
  /** Route inside the router (default `/:fileId/redirect`). */
  path?: string | undefined;
}

/**
 * Sends an authenticated caller to the object store's own presigned URL with
 * `307 Temporary Redirect`, so the bytes never pass through the app:
 * authenticate → find → tenant → authorize → presign.
 *
 * @example
 * ```ts
 * import { S3Client } from '@aws-sdk/client-s3';
 * import { redirectToPresigned } from 'express-signed-downloads';
 * import { s3Storage } from 'express-signed-downloads/s3';
 *
 * // GET /files/:fileId/redirect → 307 to a presigned S3 URL living 60 s.
 * app.use('/files', redirectToPresigned({
 *   storage: s3Storage({ client: new S3Client({}), bucket: 'acme-files' }),
 *   authenticate: (req) => req.user ?? null,
 *   findFile: (id) => db.documents.findById(id),
 *   authorize: (_req, doc, user) => doc.ownerId === user.id,
 *   expiresIn: 60,
 * }));
 * ```
 */
export function redirectToPresigned<Principal = unknown, File extends FileRecord = FileRecord>(options: RedirectToPresignedOptions<Principal, File>): Router {
  const where = 'redirectToPresigned';
  checkRouterOptions(where, options, 'redirectToPresigned({ … })');
  const settings = parseSettings(where, options, ['path'], { authorize: true, signer: false, unused: LINK_ONLY });
  // A storage without presign() is not a start-up error: the route answers
  // 503 STORAGE_NOT_CONFIGURED, so an app can mount it before object storage is set up.
  const path = parsePath(where, options.path, '/:fileId/redirect', options.fileId === undefined);
  return downloadRouter(settings, (router) => router.get(
    path,
    downloadRoute(settings, async (req, res, context) => {
      const { settings: own, ...target } = await authorizedFile(req, settings, context, (chosen) => requestedLink(req, chosen.expiresIn ?? 900, chosen.maxExpiresIn, NO_USE_LIMITS, 'presigned'));
      const { expiresIn, disposition } = target.input;
      const { url } = await presignFile(own, target, disposition ?? (await own.disposition(target.file, req)), expiresIn);
      res.writeHead(307, {
        Location: url,
        'Cache-Control': 'no-store',
        'Referrer-Policy': 'no-referrer',
        'X-Content-Type-Options': 'nosniff',
        'Content-Length': 0,
      });
      res.end();
      report(settings, req, context, { type: 'redirected', expiresIn });
    }),
  ));
}
