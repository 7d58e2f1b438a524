/**
 * Compact JWS (RFC 7515 §7.1) as download tokens use it: three base64url
 * segments of JSON, with exactly one spelling per token.
 */

export const MAX_TOKEN_LENGTH = 4096;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * One token, one spelling. base64url decoders accept padding and ignore the
 * unused low bits of the last character, so without this check one signature
 * has several spellings and one link many URLs (issue 7). The header and
 * payload are covered by the signature as text; the signature segment is not.
 */
export function isCanonical(token: string): boolean {
  if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) return false;
  const signature = token.slice(token.lastIndexOf('.') + 1);
  return Buffer.from(signature, 'base64url').toString('base64url') === signature;
}

/** The base64url JSON of `value`. */
export function encodeSegment(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The JSON object in a segment, or undefined when it is not one. */
export function decodeSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
