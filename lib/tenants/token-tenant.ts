import { decodeSegment, MAX_TOKEN_LENGTH } from '../tokens/compact';

/**
 * The tenant a token says it is for, read before its signature is checked:
 * only to choose the tenant's keys to check it with. Nothing else is
 * trusted until it verifies, and the route then requires the request's own
 * tenant to be this one.
 */
export function claimedTenant(token: string): string | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const payload = decodeSegment(token.split('.')[1] ?? '');
  const tenant = payload?.ten;
  return typeof tenant === 'string' && tenant !== '' ? tenant : undefined;
}
