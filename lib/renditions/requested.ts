import { DownloadError } from '../errors';
import type { Renditions } from './types';

/**
 * What a route can do with `?rendition=`: render through the `renditions`
 * option, or nothing (`undefined`: none configured; `'presigned'`: the
 * storage's own URL serves the file itself).
 */
export type RenditionSupport = Renditions | undefined | 'presigned';

/**
 * The canonical rendition a query asks for, or `undefined`. A rendition no
 * route here can serve is a 422, never silently the original: a 6 MB photo
 * where a thumbnail was asked for is a bug the developer should see.
 */
export function requestedRendition(support: RenditionSupport, query: URLSearchParams): string | undefined {
  if (support !== undefined && support !== 'presigned') return support.fromQuery(query);
  if (!query.has('rendition')) return undefined;
  const [message, reason] = support === 'presigned'
    ? ["rendition is not accepted here: a storage's presigned URL serves the file itself (issue signed links for renditions).", 'not_with_presigned']
    : ['rendition is not accepted here: no renditions are configured (the renditions option).', 'not_configured'];
  throw new DownloadError('VALIDATION_ERROR', message, { details: { parameter: 'rendition', in: 'query', reason } });
}
