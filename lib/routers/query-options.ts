import { DownloadError } from '../errors';
import type { Request } from 'express';
import { queryOf, single } from '../http/query';
import { requestedRendition, type RenditionSupport } from '../renditions/requested';
import type { Disposition } from '../types';

const INTEGER = /^[0-9]{1,9}$/;

/**
 * An integer query parameter from `min` to `max`, else 422 saying why:
 * `repeated` (given more than once), `not_an_integer` or `out_of_range`.
 */
function integerParameter(raw: string | null, name: string, min: number, max: number, message: string): number {
  const value = raw !== null && INTEGER.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max)) {
    const reason = raw === null ? 'repeated' : Number.isNaN(value) ? 'not_an_integer' : 'out_of_range';
    throw new DownloadError('VALIDATION_ERROR', message, { details: { parameter: name, in: 'query', reason, min, max } });
  }
  return value;
}

/** `?expires_in=`: an integer number of seconds from 1 to `max`, else 422. */
function requestedLifetime(query: URLSearchParams, fallback: number, max: number): number {
  const raw = single(query, 'expires_in');
  if (raw === undefined) return Math.min(fallback, max);
  return integerParameter(raw, 'expires_in', 1, max, `expires_in must be an integer number of seconds from 1 to ${max}.`);
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
  return integerParameter(raw, 'max_uses', 1, limits.max, `max_uses must be an integer from 1 to ${limits.max}.`);
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
