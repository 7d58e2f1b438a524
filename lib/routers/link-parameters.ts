import { DownloadError } from '../errors';
import { single } from '../http/query';

// No leading zeros, sign or spaces: `expires=0123` must not be a second spelling of `expires=123`.
const EXPIRES_PATTERN = /^[1-9][0-9]{0,11}$/;

/**
 * The `token` and `expires` of a signed URL's query, each exactly once.
 * Missing, empty, repeated or malformed parameters get the same answer as a
 * forged token: no oracle.
 */
export function linkParameters(query: URLSearchParams): { token: string; expires: number } {
  const token = single(query, 'token');
  const expires = single(query, 'expires');
  if (typeof token !== 'string' || token === '' || typeof expires !== 'string' || !EXPIRES_PATTERN.test(expires)) {
    throw new DownloadError('TOKEN_INVALID', undefined, { cause: new Error('missing, repeated or malformed token / expires parameter') });
  }
  return { token, expires: Number(expires) };
}
