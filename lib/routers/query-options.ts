import { DownloadError } from '../errors';
import type { Request } from 'express';
import { queryOf, single } from '../http/query';
import { requestedRendition, type RenditionSupport } from '../renditions/requested';
import type { Disposition } from '../types';

const INTEGER = /^[0-9]{1,9}$/;

/** `?expires_in=`: an integer number of seconds from 1 to `max`, else 422. */
function requestedLifetime(query: URLSearchParams, fallback: number, max: number): number {
  const raw = single(query, 'expires_in');
  if (raw === undefined) return Math.min(fallback, max);
  const value = raw !== null && INTEGER.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1 && value <= max)) {
    throw new DownloadError('VALIDATION_ERROR', `expires_in must be an integer number of seconds from 1 to ${max}.`, {
      details: { parameter: 'expires_in', in: 'query', reason: Number.isNaN(value) ? 'not_an_integer' : 'out_of_range', min: 1, max },
    });
  }
  return value;
}

/** `?disposition=`: `inline` or `attachment`, else 422; absent is `undefined`. */
function requestedDisposition(query: URLSearchParams): Disposition | undefined {
  const raw = single(query, 'disposition');
  if (raw === undefined) return undefined;
  if (raw !== 'inline' && raw !== 'attachment') {
    throw new DownloadError('VALIDATION_ERROR', "disposition must be 'inline' or 'attachment'.", {
      details: { parameter: 'disposition', in: 'query', reason: 'not_allowed', allowed: ['inline', 'attachment'] },
    });
  }
  return raw;
}

/** The router's use limit for links (`maxUses`) and the most `?max_uses=` may ask (`maxUsesParam`; absent: the parameter is refused). */
export interface UseLimits {
  fallback: number | undefined;
  max: number | undefined;
}

/** `?max_uses=`: an integer from 1 to `limits.max`, else 422; refused outright when the router does not enable it. */
function requestedUses(query: URLSearchParams, limits: UseLimits): number | undefined {
  const raw = single(query, 'max_uses');
  if (raw === undefined) return limits.fallback;
  if (limits.max === undefined) {
    throw new DownloadError('VALIDATION_ERROR', 'max_uses is not accepted here.', { details: { parameter: 'max_uses', in: 'query', reason: 'not_allowed' } });
  }
  const value = raw !== null && INTEGER.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1 && value <= limits.max)) {
    throw new DownloadError('VALIDATION_ERROR', `max_uses must be an integer from 1 to ${limits.max}.`, {
      details: { parameter: 'max_uses', in: 'query', reason: Number.isNaN(value) ? 'not_an_integer' : 'out_of_range', min: 1, max: limits.max },
    });
  }
  return value;
}

/** What a caller asks of a link: its lifetime, disposition, use limit (absent: the router's default) and image rendition. */
export interface LinkRequest {
  expiresIn: number;
  disposition: Disposition | undefined;
  maxUses: number | undefined;
  rendition: string | undefined;
}

/** A router that issues no counted links. */
export const NO_USE_LIMITS: UseLimits = { fallback: undefined, max: undefined };

/** Reads `expires_in`, `disposition`, `max_uses` and `rendition` from the query, all validated. */
export function requestedLink(req: Request, fallbackLifetime: number, maxLifetime: number, uses: UseLimits, renditions: RenditionSupport): LinkRequest {
  const query = queryOf(req);
  return {
    expiresIn: requestedLifetime(query, fallbackLifetime, maxLifetime),
    disposition: requestedDisposition(query),
    maxUses: requestedUses(query, uses),
    rendition: requestedRendition(renditions, query),
  };
}
