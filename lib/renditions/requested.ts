import { DownloadError } from '../errors';
import type { Renditions } from './types';

/**
 * What a route can do with `?rendition=`: render through the `renditions`
 * option, or nothing (`undefined`: none configured; `'presigned'`: the
 * storage's own URL serves the file itself).
 */
export type RenditionSupport = Renditions | undefined | 'presigned';

/**
 * A rendition asked of a route with no `renditions` option: from the query,
 * or from a token signed where renditions were configured. One answer for
 * both, so a developer sees the same cause wherever it shows.
 */
export function renditionsNotConfigured(from: 'query' | 'token'): DownloadError {
  return new DownloadError('VALIDATION_ERROR', 'rendition is not accepted here: no renditions are configured (the renditions option).', {
    details: { parameter: 'rendition', in: from, reason: 'not_configured' },
  });
}

/**
 * The canonical rendition a query asks for, or `undefined`. A rendition no
 * route here can serve is a 422, never silently the original: a 6 MB photo
 * where a thumbnail was asked for is a bug the developer should see.
 */
export function requestedRendition(support: RenditionSupport, query: URLSearchParams): string | undefined {
  // `rendition[]=thumb` is not `rendition=thumb`: ignoring it would silently serve the original.
  for (const key of query.keys()) {
    if (key.startsWith('rendition[')) {
      throw new DownloadError('VALIDATION_ERROR', `${key}: rendition takes one plain value (rendition=thumb, not rendition[]=thumb).`, { details: { parameter: key, in: 'query', reason: 'malformed' } });
    }
  }
  if (support !== undefined && support !== 'presigned') return support.fromQuery(query);
  if (!query.has('rendition')) return undefined;
  if (support === undefined) throw renditionsNotConfigured('query');
  throw new DownloadError('VALIDATION_ERROR', "rendition is not accepted here: a storage's presigned URL serves the file itself (issue signed links for renditions).", {
    details: { parameter: 'rendition', in: 'query', reason: 'not_with_presigned' },
  });
}
