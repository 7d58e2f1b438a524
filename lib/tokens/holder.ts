import { timingSafeEqual } from 'node:crypto';
import type { KeyedHash } from './keys';

// Holder binding (`bindTo`): the token carries a keyed hash of the holder
// value (`hb`), never the value. The link's `jti` is hashed with it, so two
// links of one session carry unrelated hashes: whoever sees several URLs
// cannot tell they were issued to the same person.

/** The `hb` claim of the link `jti` bound to `holder`. */
export function holderClaim(keyedHash: KeyedHash, jti: string, holder: string): string {
  // A JSON array: no jti and holder pair spells another pair's input.
  return keyedHash.hash('holder', JSON.stringify([jti, holder]));
}

/** Constant-time comparison of two holder hashes. */
function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Whether `hb` is `holder`'s hash for the link `jti`. Links issued by 0.4.0
 * carry the hash of the holder alone (the same for every link of a session);
 * they are accepted until they expire, and this fallback goes in 0.6.0.
 * It admits nothing new: `hb` is signed, and a signer of this version never
 * issues that form.
 */
export function isHolder(keyedHash: KeyedHash, jti: string | undefined, hb: string, holder: string): boolean {
  if (jti !== undefined && sameHash(holderClaim(keyedHash, jti, holder), hb)) return true;
  return sameHash(keyedHash.hash('holder-0.4', holder), hb);
}
