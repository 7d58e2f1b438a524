import { DownloadError } from '../errors';
import type { Disposition } from '../types';

/**
 * The purpose markers. A JWT the host signs for anything else with the same
 * secret lacks them and is refused, so a session token can never open a file.
 */
export const TOKEN_TYPE = 'esd-download+jwt';
export const AUDIENCE = 'express-signed-downloads';

/** What `sign` binds into a token. */
export interface SignInput {
  fileId: string;
  tenant?: string | undefined;
  disposition?: Disposition | undefined;
  /**
   * Where the token may be redeemed: the signed route's path (what the
   * routers bind by default) or a host-chosen scope name.
   */
  scope?: string | undefined;
  /** Who the link is given to: the JWT `sub` claim. */
  subject?: string | undefined;
  /** Lifetime in seconds (a positive integer). */
  expiresIn: number;
  /** How many downloads the link allows (`mu`), counted by the signed route's `useStore`. */
  maxUses?: number | undefined;
  /**
   * Binds the token to its holder: a keyed hash of this value and the token's
   * `jti` (`hb`, different for every link) must match on download.
   */
  holder?: string | undefined;
  /**
   * A cache-stable token: the expiry is rounded up to a multiple of this many
   * seconds, and the issue time and `jti` follow from it, so signing the same
   * input twice in one bucket gives the same token. Ignored with `maxUses`
   * (a counted link needs a `jti` of its own).
   */
  bucketSeconds?: number | undefined;
  /** With `bucketSeconds`: the longest lifetime rounding may give; past it the token is not stable. */
  maxLifetime?: number | undefined;
  /** The image rendition the link serves (`rn`): a preset name or canonical parameters, from the `renditions` option. */
  rendition?: string | undefined;
  /**
   * An archive link (`ar`): `fileId` is then the digest of the archive's
   * manifest, and only the signed archive route redeems the token.
   */
  archive?: boolean | undefined;
}

/** What `verify` must find in the token, or it throws `TOKEN_INVALID`. */
export interface VerifyExpectation {
  fileId: string;
  tenant?: string | undefined;
  /** The `expires` query parameter; must equal the token's expiry when given. */
  expires?: number | undefined;
  /** Where the token is being redeemed; must equal the token's scope (both absent counts as equal). */
  scope?: string | undefined;
}

/** The verified content of a download token. */
export interface DownloadClaims {
  fileId: string;
  tenant?: string | undefined;
  disposition?: Disposition | undefined;
  /** Where the token may be redeemed (see {@link SignInput.scope}). */
  scope?: string | undefined;
  /** Who the link was given to (`sub`). */
  subject?: string | undefined;
  /** Unix seconds. */
  expires: number;
  issuedAt: number;
  kid?: string | undefined;
  /** The token's unique id (`jti`): random, one per issued link. */
  jti?: string | undefined;
  /** How many downloads the link allows (`mu`). */
  maxUses?: number | undefined;
  /** The keyed hash of the link's `jti` and the holder value it is bound to (`hb`); never the value itself. */
  holder?: string | undefined;
  /** Verified within a grace period after `expires` (`graceSeconds` on the signed route). */
  expired?: boolean | undefined;
  /** The image rendition the link serves (`rn`), instead of the file itself. */
  rendition?: string | undefined;
  /** An archive link (`ar`): `fileId` is the digest of the archive's manifest. */
  archive?: boolean | undefined;
}

/** What a token carries besides the caller's input: made by the signer. */
export interface IssuedParts {
  issuedAt: number;
  expires: number;
  jti: string;
  holder: string | undefined;
}

/** Longest rendition a token may carry: a preset name or a canonical parameter list is far shorter. */
export const MAX_RENDITION_LENGTH = 256;

/** Largest `maxUses` a token may carry. */
export const MAX_USES_LIMIT = 1_000_000;

/** A `TOKEN_INVALID` with its internal reason; every token failure looks the same to the client. */
export function invalid(cause: unknown): DownloadError {
  return new DownloadError('TOKEN_INVALID', undefined, { cause: cause instanceof Error ? cause : new Error(String(cause)) });
}

/** The JWT claims set of a token: the bindings, then `aud`, `iat`, `exp`, `jti`. */
export function payloadOf(input: SignInput, parts: IssuedParts): Record<string, unknown> {
  const payload: Record<string, unknown> = { fid: input.fileId };
  if (input.tenant !== undefined) payload.ten = input.tenant;
  if (input.disposition !== undefined) payload.dis = input.disposition;
  if (input.scope !== undefined) payload.scp = input.scope;
  if (input.subject !== undefined) payload.sub = input.subject;
  if (input.maxUses !== undefined) payload.mu = input.maxUses;
  if (input.rendition !== undefined) payload.rn = input.rendition;
  if (input.archive === true) payload.ar = 1;
  if (parts.holder !== undefined) payload.hb = parts.holder;
  payload.aud = AUDIENCE;
  payload.iat = parts.issuedAt;
  payload.exp = parts.expires;
  payload.jti = parts.jti;
  return payload;
}

const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/**
 * The claims of a token whose signature verified, or `TOKEN_INVALID`:
 * audience, issue and expiry times (RFC 7519 §4.1, with `clockTolerance`
 * seconds of skew on `exp` and `nbf`), and well-typed bindings.
 */
export function readClaims(payload: Record<string, unknown>, nowSeconds: number, clockTolerance: number, graceSeconds = 0): DownloadClaims {
  const { fid, ten, dis, scp, sub, aud, iat, exp, nbf, jti, mu, hb, rn, ar } = payload;
  if (aud !== AUDIENCE && !(Array.isArray(aud) && aud.includes(AUDIENCE))) throw invalid(new Error('token is for another audience'));
  if (!isTime(iat) || !isTime(exp)) throw invalid(new Error('token has no valid iat / exp'));
  if (nowSeconds - clockTolerance >= exp + graceSeconds) throw invalid(new Error('token expired'));
  if (nbf !== undefined && (!isTime(nbf) || nowSeconds + clockTolerance < nbf)) throw invalid(new Error('token not yet valid'));
  const optionalString = (value: unknown) => value === undefined || typeof value === 'string';
  if (typeof fid !== 'string' || !optionalString(ten) || !optionalString(scp) || !optionalString(sub)) {
    throw invalid(new Error('malformed binding claims'));
  }
  if (dis !== undefined && dis !== 'inline' && dis !== 'attachment') throw invalid(new Error('bad disposition claim'));
  if (ar !== undefined && ar !== 1) throw invalid(new Error('malformed ar claim'));
  if (rn !== undefined && !(typeof rn === 'string' && rn !== '' && rn.length <= MAX_RENDITION_LENGTH)) throw invalid(new Error('malformed rn claim'));
  if (!(jti === undefined || (typeof jti === 'string' && jti !== '' && jti.length <= 64)) || !optionalString(hb)) throw invalid(new Error('malformed jti / hb claim'));
  // A use limit is counted per jti: one without the other would be a link nobody can count.
  if (mu !== undefined && !(Number.isInteger(mu) && (mu as number) >= 1 && (mu as number) <= MAX_USES_LIMIT && jti !== undefined)) throw invalid(new Error('malformed mu claim'));
  const claims: DownloadClaims = { fileId: fid, expires: exp, issuedAt: iat };
  if (jti !== undefined) claims.jti = jti as string;
  if (mu !== undefined) claims.maxUses = mu as number;
  if (hb !== undefined) claims.holder = hb as string;
  if (ten !== undefined) claims.tenant = ten as string;
  if (dis !== undefined) claims.disposition = dis;
  if (scp !== undefined) claims.scope = scp as string;
  if (sub !== undefined) claims.subject = sub as string;
  if (rn !== undefined) claims.rendition = rn as string;
  if (ar !== undefined) claims.archive = true;
  return claims;
}

/** Throws `TOKEN_INVALID` unless `claims` bind exactly what `expected` says; a mismatch is indistinguishable from a forgery. */
export function matchClaims(claims: DownloadClaims, expected: VerifyExpectation): DownloadClaims {
  if (claims.fileId !== expected.fileId) throw invalid(new Error('token is for another file'));
  if (claims.tenant !== expected.tenant) {
    // A hook that reads the tenant from a session or principal names none on the signed route: say so, it is the usual cause.
    const none = expected.tenant === undefined ? ' (the tenant hook named none for this request: read it from the path, never from the session or principal)' : '';
    throw invalid(new Error(`token is for another tenant${none}`));
  }
  if (expected.expires !== undefined && claims.expires !== expected.expires) throw invalid(new Error('expires does not match the token'));
  if (claims.scope !== expected.scope) {
    throw invalid(new Error(`token is for ${claims.scope === undefined ? 'no scope' : JSON.stringify(claims.scope)}, redeemed at ${JSON.stringify(expected.scope)}`));
  }
  return claims;
}
