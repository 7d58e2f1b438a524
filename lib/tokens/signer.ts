import { rejectUnknownKeys } from '../options/validate';
import { randomBytes } from 'node:crypto';
import type { Jwk } from './jwk';
import {
  invalid, matchClaims, MAX_RENDITION_LENGTH, MAX_USES_LIMIT, payloadOf, readClaims, TOKEN_TYPE, type DownloadClaims, type SignInput, type VerifyExpectation,
} from './claims';
import { decodeSegment, encodeSegment, isCanonical } from './compact';
import { holderClaim, isHolder } from './holder';
import { VerifiedTokens } from './verified-tokens';
import { KeyedHash, MIN_SECRET_BYTES, resolveAsymmetricKey, resolveSecretKey, type KeyConfig, type ResolvedKey, type SigningAlgorithm } from './keys';

export { matchClaims } from './claims';
export type { DownloadClaims, SignInput, VerifyExpectation } from './claims';

/** Options of {@link createSigner}: either one `secret` or a list of `keys`. */
export interface SignerOptions {
  /** HS256 secret of at least 32 bytes. */
  secret?: string | Uint8Array | undefined;
  /**
   * Keys for rotation: the first signs, all verify, each the tokens carrying
   * its `kid`. One HS256 entry after the first may omit `kid`: the old
   * `secret`, verifying the links issued under `{ secret }` (they carry no kid).
   */
  keys?: KeyConfig[] | undefined;
  /**
   * A public JWK Set (`{ keys: [...] }`, e.g. from `npx express-signed-downloads
   * keygen`) for a verify-only service: Ed25519 (EdDSA) and P-256 (ES256) keys,
   * each with a `kid`. With `keys`, they verify after those.
   */
  jwks?: { keys: readonly Jwk[] } | undefined;
  /** Seconds of clock skew accepted on expiry (default 5, at most 300). */
  clockTolerance?: number | undefined;
  /** Current time in milliseconds; for tests. Default `Date.now`. */
  now?: (() => number) | undefined;
  /**
   * Most verified tokens remembered (default 10000; `0` turns the cache off).
   * A token seen before skips only its signature check: expiry (with the
   * clock tolerance) and every binding are checked on each use. A video
   * seeking or an image reloaded then costs almost nothing for its token.
   */
  cache?: number | undefined;
}

/** A freshly signed token, its expiry in Unix seconds and its unique id. */
export interface SignedToken {
  token: string;
  expires: number;
  jti: string;
  /** True when `bucketSeconds` made it cache-stable (the same token for the same input in its bucket). */
  stable: boolean;
  /** Seconds from now to `expires` (more than asked for a stable token, rounded up to its bucket). */
  expiresIn: number;
}

/** Options of {@link Signer.verifySignature}. */
export interface VerifySignatureOptions {
  /**
   * Seconds after expiry during which the token still verifies, with
   * `expired: true` in its claims; the caller decides what such a token may
   * still do (the signed route: continue a transfer). Default 0.
   */
  graceSeconds?: number | undefined;
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
   * the claims for the caller to compare with what it expects. The signed
   * route uses it so that nothing of the host's runs before a token is known
   * to be genuine.
   */
  verifySignature(token: string, options?: VerifySignatureOptions): Promise<DownloadClaims>;
  /** The signing key's algorithm. */
  readonly algorithm: SigningAlgorithm;
  /** Seconds of clock skew accepted on expiry (`clockTolerance`). */
  readonly clockTolerance: number;
  /** True when the signing key can bind tokens to a holder (`bindTo`): an HS256 secret or a private key. */
  readonly canBindHolders: boolean;
  /**
   * Whether `holder` is the value the token was bound to (constant time);
   * a token bound to nothing matches every holder, a bound one never matches `undefined`.
   */
  holderMatches(claims: DownloadClaims, holder: string | undefined): boolean;
  /**
   * The strong ETag that answers of this link carry for a file whose own
   * validator is `validator`: a keyed digest of the link's `jti` and that
   * validator (weak when it is weak), so only a client that received an
   * earlier answer of this very link can name it (a counted or late link's continuation proof). Keyed
   * with the link's key; a key without secret material (a verify-only
   * signer) uses a random key of this signer's, which other instances do
   * not share.
   */
  linkTag(claims: DownloadClaims, validator: string): string;
}

/** The entries of a public JWK Set as verify-only key configurations. */
function keysOfJwks(jwks: unknown): KeyConfig[] {
  const list = (jwks as { keys?: unknown } | null)?.keys;
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(list) || list.length === 0) {
    throw new TypeError('createSigner: `jwks` must be a JWK Set: { keys: [ { kty, crv, x, kid, … } ] } with at least one key.');
  }
  return list.map((jwk: Jwk, index) => {
    const where = `createSigner: jwks.keys[${index}]`;
    if (typeof jwk !== 'object' || jwk === null) throw new TypeError(`${where} is not a JWK object.`);
    if ('d' in jwk || 'k' in jwk) throw new TypeError(`${where} holds secret key material; a JWK Set for verification carries public keys only.`);
    const ops = (jwk as { key_ops?: unknown }).key_ops;
    if ((jwk.use !== undefined && jwk.use !== 'sig') || (ops !== undefined && !(Array.isArray(ops) && ops.includes('verify')))) {
      throw new TypeError(`${where} (kid "${String(jwk.kid)}") is not for verifying signatures (use ${JSON.stringify(jwk.use)}, key_ops ${JSON.stringify(ops)}).`);
    }
    if (typeof jwk.kid !== 'string' || jwk.kid === '') throw new TypeError(`${where} needs a \`kid\`: tokens name their key by it.`);
    const alg = jwk.kty === 'OKP' && jwk.crv === 'Ed25519' ? 'EdDSA' : jwk.kty === 'EC' && jwk.crv === 'P-256' ? 'ES256' : undefined;
    if (alg === undefined || (jwk.alg !== undefined && jwk.alg !== alg)) {
      throw new TypeError(`${where} (kid "${jwk.kid}") must be an Ed25519 (EdDSA) or P-256 (ES256) public key, got kty ${JSON.stringify(jwk.kty)} crv ${JSON.stringify(jwk.crv)} alg ${JSON.stringify(jwk.alg)}.`);
    }
    return { kid: jwk.kid, alg, publicKey: jwk } satisfies KeyConfig;
  });
}

/**
 * Each entry names its key by `kid`, but one: the old `secret` moved into
 * `keys`, which verifies only tokens without a kid. It cannot sign (the first
 * key does: new tokens must name their key) and cannot be an asymmetric key
 * (`{ secret }` never was). A token is then checked by exactly one entry, the
 * one its kid, or its lack of one, names.
 */
function checkKidless(keys: readonly KeyConfig[]): void {
  const kidless: number[] = [];
  keys.forEach((key, index) => {
    if (typeof key !== 'object' || key === null || (key.kid !== undefined && (typeof key.kid !== 'string' || key.kid === ''))) {
      throw new TypeError(`createSigner: keys[${index}] needs a non-empty string \`kid\` (only your old HS256 \`secret\` may go without one, after the first key).`);
    }
    if (key.kid === undefined) kidless.push(index);
  });
  const [first, second] = kidless;
  if (first === undefined) return;
  if (second !== undefined) {
    throw new TypeError(`createSigner: keys[${first}] and keys[${second}] both have no \`kid\`; only one entry may omit it: your old \`secret\`, which verifies the links issued under createSigner({ secret }). Give the other a kid.`);
  }
  if (first === 0) {
    throw new TypeError('createSigner: keys[0] has no `kid`, and the first key signs every new token. Put a key with a `kid` first; the entry without one (your old `secret`) goes after it and only verifies the links issued under createSigner({ secret }).');
  }
  if (keys[first]!.alg !== 'HS256') {
    throw new TypeError(`createSigner: keys[${first}] has no \`kid\`, and only an HS256 secret (the old createSigner({ secret })) may omit it. Give this ${String(keys[first]!.alg)} key a kid.`);
  }
}

function resolveKeys(options: SignerOptions): ResolvedKey[] {
  if (options.secret !== undefined && (options.keys !== undefined || options.jwks !== undefined)) {
    throw new TypeError('createSigner: pass either `secret` or `keys` / `jwks`, not both (put the secret in keys as { kid, alg: "HS256", secret }).');
  }
  if (options.secret !== undefined) return [resolveSecretKey(undefined, options.secret, 'createSigner({ secret })')];
  if ('secret' in options && options.keys === undefined && options.jwks === undefined) {
    throw new TypeError(
      'createSigner: `secret` is undefined, most likely an environment variable that is not set. ' +
        `Set it to a secret of at least ${MIN_SECRET_BYTES} bytes; generate one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`,
    );
  }
  if (options.jwks !== undefined) return resolveKeys({ keys: [...(options.keys ?? []), ...keysOfJwks(options.jwks)] });
  if (!Array.isArray(options.keys) || options.keys.length === 0) {
    throw new TypeError('createSigner: pass `secret` (at least 32 bytes), a non-empty `keys` array or a public `jwks`.');
  }
  checkKidless(options.keys);
  const seen = new Set<string>();
  return options.keys.map((key, index) => {
    if (key.kid === undefined) return resolveSecretKey(undefined, (key as { secret?: unknown }).secret, `createSigner: keys[${index}] (the entry without kid)`);
    if (seen.has(key.kid)) throw new TypeError(`createSigner: kid "${key.kid}" appears twice in keys; kids must be unique.`);
    seen.add(key.kid);
    switch (key.alg) {
      case 'HS256':
        return resolveSecretKey(key.kid, key.secret, `createSigner: key "${key.kid}"`);
      case 'EdDSA':
      case 'ES256':
        return resolveAsymmetricKey(key);
      default:
        throw new TypeError(`createSigner: key "${(key as KeyConfig).kid}" has alg ${JSON.stringify((key as { alg?: unknown }).alg)}; use 'HS256', 'EdDSA' or 'ES256'.`);
    }
  });
}

/**
 * The times of a cache-stable token, or `undefined` when it cannot be one:
 * the expiry rounded up to the bucket, the issue time a whole bucket before
 * the earliest moment that expiry could have been asked for (never later than
 * the real issue, so a revocation still covers it).
 */
function stableTimes(input: SignInput, nowSeconds: number): { issuedAt: number; expires: number } | undefined {
  const bucket = input.bucketSeconds;
  if (bucket === undefined || input.maxUses !== undefined) return undefined;
  if (!Number.isInteger(bucket) || bucket < 1) throw new RangeError('sign: bucketSeconds must be a positive integer number of seconds.');
  const expires = Math.ceil((nowSeconds + input.expiresIn) / bucket) * bucket;
  if (input.maxLifetime !== undefined && expires - nowSeconds > input.maxLifetime) return undefined;
  return { issuedAt: expires - input.expiresIn - bucket, expires };
}

/**
 * Creates the token signer. Throws at start-up on a short secret, malformed
 * or mismatched keys, or unknown options.
 *
 * @example
 * ```ts
 * import { createSigner } from 'express-signed-downloads';
 *
 * // One service: an HS256 secret of at least 32 bytes (npx express-signed-downloads keygen --alg HS256).
 * const signer = createSigner({ secret: process.env.DOWNLOAD_SECRET });
 *
 * // Rotation: the first key signs, every key verifies; links name their key by kid.
 * // (A missing or short secret throws at start-up, saying which.)
 * const rotating = createSigner({ keys: [
 *   { kid: '2026-12', alg: 'HS256', secret: process.env.DOWNLOAD_SECRET_2026_12 ?? '' },
 *   { kid: '2026-06', alg: 'HS256', secret: process.env.DOWNLOAD_SECRET_2026_06 ?? '' },
 * ] });
 *
 * // A verify-only service: the issuer's public JWK Set (keygen --alg EdDSA prints it).
 * const verifier = createSigner({ jwks: JSON.parse(process.env.DOWNLOAD_JWKS ?? '') });
 * ```
 */
export function createSigner(options: SignerOptions): Signer {
  const { keys, clockTolerance, now, cacheSize } = parseSignerOptions(options);
  return new TokenSigner(keys, clockTolerance, now, new VerifiedTokens(cacheSize));
}

/**
 * A signer that remembers the tokens it verified in `verified`, a cache it
 * shares with other signers (a tenant's, beside ten thousand others): entries
 * are kept per signer, so no signer ever takes another's word for a token.
 */
export function signerWithCache(options: Omit<SignerOptions, 'cache'>, verified: VerifiedTokens): Signer {
  const { keys, clockTolerance, now } = parseSignerOptions(options);
  return new TokenSigner(keys, clockTolerance, now, verified);
}

function parseSignerOptions(options: SignerOptions) {
  if (typeof options !== 'object' || options === null) throw new TypeError('createSigner: pass an options object, e.g. { secret }.');
  rejectUnknownKeys('createSigner', options, ['secret', 'keys', 'jwks', 'clockTolerance', 'now', 'cache']);
  const keys = resolveKeys(options);
  const clockTolerance = options.clockTolerance ?? 5;
  if (!Number.isInteger(clockTolerance) || clockTolerance < 0 || clockTolerance > 300) {
    throw new RangeError('createSigner: clockTolerance must be an integer number of seconds from 0 to 300.');
  }
  const cacheSize = options.cache ?? 10_000;
  if (!Number.isInteger(cacheSize) || cacheSize < 0) throw new RangeError('createSigner: cache must be a non-negative integer number of tokens (0 turns it off).');
  return { keys, clockTolerance, now: options.now ?? Date.now, cacheSize };
}

/**
 * The signer's state lives in private fields and its methods on the
 * prototype: a multi-tenant app keeps one per tenant, ten thousand at once,
 * and per-instance closures would multiply its size. Call its methods on it
 * (`signer.sign(…)`); a copy made with `{ ...signer }` has none.
 */
class TokenSigner implements Signer {
  readonly canSign: boolean;
  readonly algorithm: SigningAlgorithm;
  readonly canBindHolders: boolean;
  readonly #keys: readonly ResolvedKey[];
  readonly #signingKey: ResolvedKey;
  readonly #now: () => number;
  readonly #verified: VerifiedTokens;
  /** linkTag's key for links whose key has no secret material (made when first needed). */
  #instanceHash: KeyedHash | undefined;

  constructor(
    keys: readonly ResolvedKey[],
    readonly clockTolerance: number,
    now: () => number,
    verified: VerifiedTokens,
  ) {
    this.#keys = keys;
    this.#signingKey = keys[0]!;
    this.#now = now;
    this.#verified = verified;
    this.canSign = this.#signingKey.canSign;
    this.algorithm = this.#signingKey.alg;
    this.canBindHolders = this.#signingKey.keyedHash !== undefined;
  }

  /** The key a token's kid names (or, for no kid, the entry without one). A few keys: a scan beats a map. */
  #keyOf(kid: string | undefined): ResolvedKey | undefined {
    for (const key of this.#keys) if (key.kid === kid) return key;
    return undefined;
  }

  async verifySignature(token: string, options: VerifySignatureOptions = {}): Promise<DownloadClaims> {
    const grace = options.graceSeconds ?? 0;
    let claims = this.#verified.get(this, token);
    if (claims === undefined) {
      claims = await this.#verifyFully(token, grace);
      this.#verified.set(this, token, claims);
    }
    // Only the signature is known good for a remembered token; time moves on.
    const late = Math.floor(this.#now() / 1000) - this.clockTolerance - claims.expires;
    if (late >= grace) throw invalid(new Error('token expired'));
    return late >= 0 ? { ...claims, expired: true } : { ...claims };
  }

  /**
   * Format, header, key, signature, then claims. The header may name only
   * `alg`, `typ` and `kid` (no `jwk`, `jku`, `crit` or anything else a
   * library might act on), and the key comes only from our own set: a token's
   * `kid` selects among them, it never supplies one.
   */
  async #verifyFully(token: string, grace: number): Promise<DownloadClaims> {
    if (typeof token !== 'string' || !isCanonical(token)) throw invalid(new Error('missing, oversized or non-canonical token'));
    const [headerSegment = '', payloadSegment = ''] = token.split('.');
    const header = decodeSegment(headerSegment);
    if (header === undefined || Object.keys(header).some((name) => name !== 'alg' && name !== 'typ' && name !== 'kid')) {
      throw invalid(new Error('malformed header or unexpected header parameters'));
    }
    if (header.typ !== TOKEN_TYPE) throw invalid(new Error(`token type ${JSON.stringify(header.typ)} is not a download token`));
    const key = this.#keyOf(header.kid as string | undefined);
    if (key === undefined || key.alg !== header.alg) throw invalid(new Error(`no key for kid ${JSON.stringify(header.kid)} / alg ${JSON.stringify(header.alg)}`));
    if (!(await key.verify(token))) throw invalid(new Error('signature does not verify'));
    const payload = decodeSegment(payloadSegment);
    if (payload === undefined) throw invalid(new Error('malformed payload'));
    const claims = readClaims(payload, Math.floor(this.#now() / 1000), this.clockTolerance, grace);
    if (key.kid !== undefined) claims.kid = key.kid;
    return claims;
  }

  async sign(input: SignInput): Promise<SignedToken> {
    const signingKey = this.#signingKey;
    if (!signingKey.canSign) throw new Error('this signer has no private key');
    if (typeof input.fileId !== 'string' || input.fileId === '') throw new TypeError('sign: fileId must be a non-empty string.');
    if (!Number.isInteger(input.expiresIn) || input.expiresIn <= 0) throw new RangeError('sign: expiresIn must be a positive integer number of seconds.');
    if (input.maxUses !== undefined && !(Number.isInteger(input.maxUses) && input.maxUses >= 1 && input.maxUses <= MAX_USES_LIMIT)) {
      throw new RangeError(`sign: maxUses must be an integer from 1 to ${MAX_USES_LIMIT}.`);
    }
    if (input.rendition !== undefined && !(typeof input.rendition === 'string' && input.rendition !== '' && input.rendition.length <= MAX_RENDITION_LENGTH)) {
      throw new TypeError(`sign: rendition must be a string of 1 to ${MAX_RENDITION_LENGTH} characters.`);
    }
    if (input.holder !== undefined && (typeof input.holder !== 'string' || signingKey.keyedHash === undefined)) {
      throw new TypeError('sign: holder must be a string, and the signing key an HS256 secret or a private key.');
    }
    const nowSeconds = Math.floor(this.#now() / 1000);
    const header: Record<string, unknown> = { alg: signingKey.alg, typ: TOKEN_TYPE };
    if (signingKey.kid !== undefined) header.kid = signingKey.kid;
    const stable = stableTimes(input, nowSeconds);
    const times = stable ?? { issuedAt: nowSeconds, expires: nowSeconds + input.expiresIn };
    // A stable token's jti follows from everything it binds, so equal input in a bucket is an
    // equal token; the holder value goes into that keyed hash, never into the token.
    const jti = stable === undefined
      ? randomBytes(16).toString('base64url')
      : signingKey.keyedHash!.hash('jti', `${signingKey.kid ?? ''}.${encodeSegment(payloadOf(input, { ...stable, jti: '', holder: input.holder }))}`);
    const holder = input.holder === undefined ? undefined : holderClaim(signingKey.keyedHash!, jti, input.holder);
    const token = await signingKey.sign(header, encodeSegment(payloadOf(input, { ...times, jti, holder })));
    return { token, expires: times.expires, jti, stable: stable !== undefined, expiresIn: times.expires - nowSeconds };
  }

  holderMatches(claims: DownloadClaims, holder: string | undefined): boolean {
    if (claims.holder === undefined) return true;
    const hash = this.#keyOf(claims.kid)?.keyedHash;
    return holder !== undefined && hash !== undefined && isHolder(hash, claims.jti, claims.holder, holder);
  }

  async verify(token: string, expected: VerifyExpectation): Promise<DownloadClaims> {
    return matchClaims(await this.verifySignature(token), expected);
  }

  linkTag(claims: DownloadClaims, validator: string): string {
    const hash = this.#keyOf(claims.kid)?.keyedHash ?? (this.#instanceHash ??= new KeyedHash(randomBytes(32)));
    const tag = `"${hash.hash('etag', `${claims.jti ?? `${claims.issuedAt}.${claims.expires}`}\u0000${validator}`)}"`;
    // A weak validator promises no byte-for-byte equality: neither may the link's.
    return validator.startsWith('W/') ? `W/${tag}` : tag;
  }
}
