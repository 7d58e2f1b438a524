import { DownloadError } from '../errors';
import type { Request } from 'express';
import { queryOf, single } from '../http/query';
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

/** What a caller asks of a link: its lifetime and disposition (absent: the router's default). */
export interface LinkRequest {
  expiresIn: number;
  disposition: Disposition | undefined;
}

/** Reads `expires_in` and `disposition` from the query, both validated. */
export function requestedLink(req: Request, fallbackLifetime: number, maxLifetime: number): LinkRequest {
  const query = queryOf(req);
  return { expiresIn: requestedLifetime(query, fallbackLifetime, maxLifetime), disposition: requestedDisposition(query) };
}
