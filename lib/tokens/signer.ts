import { jwtVerify, SignJWT, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { DownloadError } from '../errors';
import type { Disposition } from '../types';
import { resolveAsymmetricKey, resolveSecretKey, type KeyConfig, type ResolvedKey } from './keys';
import { rejectUnknownKeys } from '../options/validate';

/**
 * The purpose markers. A JWT the host signs for anything else with the same
 * secret lacks them and is refused, so a session token can never open a file.
 */
const TOKEN_TYPE = 'esd-download+jwt';
const AUDIENCE = 'express-signed-downloads';

/** Options of {@link createSigner}: either one `secret` or a list of `keys`. */
export interface SignerOptions {
  /** HS256 secret of at least 32 bytes. */
  secret?: string | Uint8Array;
  /** Keys for rotation: the first signs, all verify. */
  keys?: KeyConfig[];
  /** Seconds of clock skew accepted on expiry (default 5, at most 300). */
  clockTolerance?: number;
  /** Current time in milliseconds; for tests. Default `Date.now`. */
  now?: () => number;
}

/** What `sign` binds into a token. */
export interface SignInput {
  fileId: string;
  tenant?: string;
  disposition?: Disposition;
  /** Lifetime in seconds (a positive integer). */
  expiresIn: number;
}

/** A freshly signed token and its expiry in Unix seconds. */
export interface SignedToken {
  token: string;
  expires: number;
}

/** What `verify` must find in the token, or it throws `TOKEN_INVALID`. */
export interface VerifyExpectation {
  fileId: string;
  tenant?: string;
  /** The `expires` query parameter; must equal the token's expiry when given. */
  expires?: number;
}

/** The verified content of a download token. */
export interface DownloadClaims {
  fileId: string;
  tenant?: string;
  disposition?: Disposition;
  /** Unix seconds. */
  expires: number;
  issuedAt: number;
  kid?: string;
}

/** Signs and verifies download tokens. */
export interface Signer {
  /** False for a verify-only signer built from public keys. */
  readonly canSign: boolean;
  sign(input: SignInput): Promise<SignedToken>;
  verify(token: string, expected: VerifyExpectation): Promise<DownloadClaims>;
}

interface TokenPayload extends JWTPayload {
  fid?: unknown;
  ten?: unknown;
  dis?: unknown;
}

function resolveKeys(options: SignerOptions): ResolvedKey[] {
  if (options.secret !== undefined && options.keys !== undefined) {
    throw new TypeError('createSigner: pass either `secret` or `keys`, not both (put the secret in keys as { kid, alg: "HS256", secret }).');
  }
  if (options.secret !== undefined) return [resolveSecretKey(undefined, options.secret)];
  if (!Array.isArray(options.keys) || options.keys.length === 0) {
    throw new TypeError('createSigner: pass `secret` (at least 32 bytes) or a non-empty `keys` array.');
  }
  const seen = new Set<string>();
  return options.keys.map((key, index) => {
    if (typeof key !== 'object' || key === null || typeof key.kid !== 'string' || key.kid === '') {
      throw new TypeError(`createSigner: keys[${index}] needs a non-empty string \`kid\`.`);
    }
    if (seen.has(key.kid)) throw new TypeError(`createSigner: kid "${key.kid}" appears twice in keys; kids must be unique.`);
    seen.add(key.kid);
    switch (key.alg) {
      case 'HS256':
        return resolveSecretKey(key.kid, key.secret);
      case 'EdDSA':
      case 'ES256':
        return resolveAsymmetricKey(key);
      default:
        throw new TypeError(`createSigner: key "${(key as KeyConfig).kid}" has alg ${JSON.stringify((key as { alg?: unknown }).alg)}; use 'HS256', 'EdDSA' or 'ES256'.`);
    }
  });
}

function invalid(cause: unknown): DownloadError {
  return new DownloadError('TOKEN_INVALID', undefined, { cause });
}

/**
 * Creates the token signer. Throws at start-up on a short secret, malformed
 * or mismatched keys, or unknown options.
 */
export function createSigner(options: SignerOptions): Signer {
  if (typeof options !== 'object' || options === null) throw new TypeError('createSigner: pass an options object, e.g. { secret }.');
  rejectUnknownKeys('createSigner', options, ['secret', 'keys', 'clockTolerance', 'now']);
  const keys = resolveKeys(options);
  const clockTolerance = options.clockTolerance ?? 5;
  if (!Number.isInteger(clockTolerance) || clockTolerance < 0 || clockTolerance > 300) {
    throw new RangeError('createSigner: clockTolerance must be an integer number of seconds from 0 to 300.');
  }
  const now = options.now ?? Date.now;
  const signingKey = keys[0]!;
  const byKid = new Map(keys.map((key) => [key.kid, key]));
  const algorithms = [...new Set(keys.map((key) => key.alg))];

  // The key comes only from our own set: a token's `kid` selects among them, it never supplies one.
  const keyFor = async (header: JWTHeaderParameters) => {
    const key = byKid.get(header.kid);
    if (key === undefined || key.alg !== header.alg) throw invalid(new Error(`no key for kid ${String(header.kid)} / alg ${header.alg}`));
    return key.verifyingKey();
  };

  return {
    canSign: signingKey.canSign,

    async sign(input: SignInput): Promise<SignedToken> {
      if (!signingKey.canSign) throw new Error('this signer has no private key');
      if (typeof input.fileId !== 'string' || input.fileId === '') throw new TypeError('sign: fileId must be a non-empty string.');
      if (!Number.isInteger(input.expiresIn) || input.expiresIn <= 0) throw new RangeError('sign: expiresIn must be a positive integer number of seconds.');
      const issuedAt = Math.floor(now() / 1000);
      const expires = issuedAt + input.expiresIn;
      const payload: TokenPayload = { fid: input.fileId };
      if (input.tenant !== undefined) payload.ten = input.tenant;
      if (input.disposition !== undefined) payload.dis = input.disposition;
      const header: JWTHeaderParameters = { alg: signingKey.alg, typ: TOKEN_TYPE };
      if (signingKey.kid !== undefined) header.kid = signingKey.kid;
      const token = await new SignJWT(payload)
        .setProtectedHeader(header)
        .setAudience(AUDIENCE)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expires)
        .sign(await signingKey.signingKey());
      return { token, expires };
    },

    async verify(token: string, expected: VerifyExpectation): Promise<DownloadClaims> {
      if (typeof token !== 'string' || token === '') throw invalid(new Error('missing token'));
      let payload: TokenPayload;
      let kid: string | undefined;
      try {
        const result = await jwtVerify<TokenPayload>(token, keyFor, {
          algorithms,
          audience: AUDIENCE,
          typ: TOKEN_TYPE,
          clockTolerance,
          currentDate: new Date(now()),
          requiredClaims: ['exp', 'iat', 'fid'],
        });
        payload = result.payload;
        kid = result.protectedHeader.kid;
      } catch (error) {
        throw error instanceof DownloadError ? error : invalid(error);
      }
      // Every binding is compared; a mismatch is indistinguishable from a forged token.
      if (payload.fid !== expected.fileId) throw invalid(new Error('token is for another file'));
      if (payload.ten !== expected.tenant) throw invalid(new Error('token is for another tenant'));
      if (expected.expires !== undefined && payload.exp !== expected.expires) throw invalid(new Error('expires does not match the token'));
      if (payload.dis !== undefined && payload.dis !== 'inline' && payload.dis !== 'attachment') throw invalid(new Error('bad disposition claim'));
      const claims: DownloadClaims = { fileId: expected.fileId, expires: payload.exp as number, issuedAt: payload.iat as number };
      if (expected.tenant !== undefined) claims.tenant = expected.tenant;
      if (payload.dis !== undefined) claims.disposition = payload.dis;
      if (kid !== undefined) claims.kid = kid;
      return claims;
    },
  };
}
