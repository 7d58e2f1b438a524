import { decodeSegment, MAX_TOKEN_LENGTH } from '../tokens/compact';

/** Tokens whose tenant was read lately: a link fetched again (a video seeking, an image reloaded) is not decoded again. */
const recent = new Map<string, string | null>();
const RECENT_MAX = 4096;

/**
 * The tenant a token says it is for, read before its signature is checked:
 * only to choose the tenant's keys to check it with. Nothing else is
 * trusted until it verifies, and the route then requires the request's own
 * tenant to be this one.
 */
export function claimedTenant(token: string): string | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  // One lookup on the hot path: `null` stands for "names no tenant".
  const seen = recent.get(token);
  if (seen !== undefined) return seen ?? undefined;
  const tenant = decodeSegment(token.split('.')[1] ?? '')?.ten;
  const named = typeof tenant === 'string' && tenant !== '' ? tenant : null;
  // Forged tokens must not grow it: bounded, and emptied when full (a cache, not a record).
  if (recent.size >= RECENT_MAX) recent.clear();
  recent.set(token, named);
  return named ?? undefined;
}
