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
  /**
   * Most verified tokens remembered (default 10000; `0` turns the cache off).
   * A token seen before skips only its signature check: expiry (with the
   * clock tolerance) and every binding are checked on each use. A video
   * seeking or an image reloaded then costs almost nothing for its token.
   */
  cache?: number;
}

/** What `sign` binds into a token. */
export interface SignInput {
  fileId: string;
  tenant?: string;
  disposition?: Disposition;
  /**
   * Where the token may be redeemed: the signed route's path (what the
   * routers bind by default) or a host-chosen scope name.
   */
  scope?: string;
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
  /** Where the token is being redeemed; must equal the token's scope (both absent counts as equal). */
  scope?: string;
}

/** The verified content of a download token. */
export interface DownloadClaims {
  fileId: string;
  tenant?: string;
  disposition?: Disposition;
  /** Where the token may be redeemed (see {@link SignInput.scope}). */
  scope?: string;
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
  /** Verifies the token and that it binds exactly `expected`; throws `TOKEN_INVALID` otherwise. */
  verify(token: string, expected: VerifyExpectation): Promise<DownloadClaims>;
  /**
   * Verifies signature, purpose, algorithm, key and expiry only, and returns
   * the claims for the caller to compare with {@link matchClaims}. The signed
   * route uses it so that nothing of the host's runs before a token is known
   * to be genuine.
   */
  verifySignature(token: string): Promise<DownloadClaims>;
}

interface TokenPayload extends JWTPayload {
  fid?: unknown;
  ten?: unknown;
  dis?: unknown;
  scp?: unknown;
}

const MAX_TOKEN_LENGTH = 4096;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * One token, one spelling. base64url decoders accept padding and ignore the
 * unused low bits of the last character, so without this check one signature
 * has several spellings and one link many URLs (issue 7). The header and
 * payload are covered by the signature as text; the signature segment is not.
 */
function isCanonical(token: string): boolean {
  if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) return false;
  const signature = token.slice(token.lastIndexOf('.') + 1);
  return Buffer.from(signature, 'base64url').toString('base64url') === signature;
}

/** Throws `TOKEN_INVALID` unless `claims` bind exactly what `expected` says; a mismatch is indistinguishable from a forgery. */
export function matchClaims(claims: DownloadClaims, expected: VerifyExpectation): DownloadClaims {
  if (claims.fileId !== expected.fileId) throw invalid(new Error('token is for another file'));
  if (claims.tenant !== expected.tenant) throw invalid(new Error('token is for another tenant'));
  if (expected.expires !== undefined && claims.expires !== expected.expires) throw invalid(new Error('expires does not match the token'));
  if (claims.scope !== expected.scope) {
    throw invalid(new Error(`token is for ${claims.scope === undefined ? 'no scope' : JSON.stringify(claims.scope)}, redeemed at ${JSON.stringify(expected.scope)}`));
  }
  return claims;
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
 * Tokens whose signature verified, by their exact text, least recently used
 * first out. Failures are never remembered: a forger pays the full check
 * every time and cannot fill the cache.
 */
class VerifiedTokens {
  readonly #entries = new Map<string, DownloadClaims>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  get(token: string): DownloadClaims | undefined {
    const claims = this.#entries.get(token);
    if (claims !== undefined) {
      this.#entries.delete(token);
      this.#entries.set(token, claims);
    }
    return claims;
  }

  set(token: string, claims: DownloadClaims): void {
    if (this.#max === 0) return;
    this.#entries.set(token, claims);
    if (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value!);
  }
}

/**
 * Creates the token signer. Throws at start-up on a short secret, malformed
 * or mismatched keys, or unknown options.
 */
export function createSigner(options: SignerOptions): Signer {
  if (typeof options !== 'object' || options === null) throw new TypeError('createSigner: pass an options object, e.g. { secret }.');
  rejectUnknownKeys('createSigner', options, ['secret', 'keys', 'clockTolerance', 'now', 'cache']);
  const keys = resolveKeys(options);
  const clockTolerance = options.clockTolerance ?? 5;
  if (!Number.isInteger(clockTolerance) || clockTolerance < 0 || clockTolerance > 300) {
    throw new RangeError('createSigner: clockTolerance must be an integer number of seconds from 0 to 300.');
  }
  const now = options.now ?? Date.now;
  const cacheSize = options.cache ?? 10_000;
  if (!Number.isInteger(cacheSize) || cacheSize < 0) throw new RangeError('createSigner: cache must be a non-negative integer number of tokens (0 turns it off).');
  const verified = new VerifiedTokens(cacheSize);
  const signingKey = keys[0]!;
  const byKid = new Map(keys.map((key) => [key.kid, key]));
  const algorithms = [...new Set(keys.map((key) => key.alg))];

  // The key comes only from our own set: a token's `kid` selects among them, it never supplies one.
  const keyFor = async (header: JWTHeaderParameters) => {
    const key = byKid.get(header.kid);
    if (key === undefined || key.alg !== header.alg) throw invalid(new Error(`no key for kid ${String(header.kid)} / alg ${header.alg}`));
    return key.verifyingKey();
  };

  async function verifySignature(token: string): Promise<DownloadClaims> {
    const remembered = verified.get(token);
    if (remembered !== undefined) {
      // Only the signature is known good; time moves on.
      if (Math.floor(now() / 1000) - clockTolerance >= remembered.expires) throw invalid(new Error('token expired'));
      return { ...remembered };
    }
    const claims = await verifyFully(token);
    verified.set(token, claims);
    return { ...claims };
  }

  async function verifyFully(token: string): Promise<DownloadClaims> {
    if (typeof token !== 'string' || !isCanonical(token)) throw invalid(new Error('missing, oversized or non-canonical token'));
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
    const { fid, ten, dis, scp } = payload;
    if (typeof fid !== 'string' || (ten !== undefined && typeof ten !== 'string') || (scp !== undefined && typeof scp !== 'string')) {
      throw invalid(new Error('malformed binding claims'));
    }
    if (dis !== undefined && dis !== 'inline' && dis !== 'attachment') throw invalid(new Error('bad disposition claim'));
    const claims: DownloadClaims = { fileId: fid, expires: payload.exp as number, issuedAt: payload.iat as number };
    if (ten !== undefined) claims.tenant = ten;
    if (dis !== undefined) claims.disposition = dis;
    if (scp !== undefined) claims.scope = scp;
    if (kid !== undefined) claims.kid = kid;
    return claims;
  }

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
      if (input.scope !== undefined) payload.scp = input.scope;
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
      return matchClaims(await verifySignature(token), expected);
    },

    verifySignature,
  };
}
