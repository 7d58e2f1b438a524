// Tokens as release 0.4.0 issued them, made independently of lib/: what the
// current code must keep accepting (or refusing) is pinned here, not derived
// from the code under test.
import { createHmac, hkdfSync } from 'node:crypto';

/** 0.4.0's `hb`: the keyed hash of the holder value alone, the same for every link of a session. */
export function holderHashV040(secret: string, holder: string): string {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(secret), new Uint8Array(0), 'express-signed-downloads holder v1', 32));
  return createHmac('sha256', key).update(holder, 'utf8').digest().subarray(0, 16).toString('base64url');
}

const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An HS256 download token without `kid` (what `createSigner({ secret })` signs) over `claims`. */
export function hs256Token(secret: string, claims: Record<string, unknown>): string {
  const input = `${segment({ alg: 'HS256', typ: 'esd-download+jwt' })}.${segment({ aud: 'express-signed-downloads', ...claims })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
