import { createHmac, createPrivateKey, createPublicKey, hkdfSync, KeyObject, timingSafeEqual } from 'node:crypto';
import { compactVerify, CompactSign, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Jwk } from './jwk';

/** Algorithms a download token may be signed with. */
export type SigningAlgorithm = 'HS256' | 'EdDSA' | 'ES256';

/**
 * Key material for an asymmetric key: a JWK object, a PEM string or a
 * `KeyObject`.
 */
export type AsymmetricKeyInput = Jwk | string | KeyObject;

/**
 * A shared-secret key (HS256). The secret must be at least 32 bytes.
 * One entry of `keys` may omit `kid`: it signs nothing and verifies only the
 * tokens that carry no `kid`, the links issued under `createSigner({ secret })`,
 * so moving from `secret` to `keys` keeps them working until they expire.
 */
export interface SecretKeyConfig {
  kid?: string | undefined;
  alg: 'HS256';
  secret: string | Uint8Array;
}

/** An asymmetric key pair; without `privateKey` the key only verifies. */
export interface AsymmetricKeyConfig {
  kid: string;
  alg: 'EdDSA' | 'ES256';
  privateKey?: AsymmetricKeyInput | undefined;
  publicKey: AsymmetricKeyInput;
}

/** One entry of `createSigner({ keys })`. */
export type KeyConfig = SecretKeyConfig | AsymmetricKeyConfig;

/** A validated key: it signs a compact JWS and checks one's signature. */
export interface ResolvedKey {
  readonly kid: string | undefined;
  readonly alg: SigningAlgorithm;
  readonly canSign: boolean;
  /** The compact JWS of `header` and the already encoded `payload`. */
  sign(header: Record<string, unknown>, payload: string): Promise<string>;
  /** Whether the token's signature is this key's (header and payload are checked by the caller). */
  verify(token: string): Promise<boolean>;
  /**
   * Keyed hashes ('holder': a link's jti and `bindTo` value; 'jti': a stable
   * token's id; 'etag': a link's own validator) from this key's secret
   * material; `undefined` for a public key alone, which holds none.
   */
  readonly keyedHash: KeyedHash | undefined;
}

/**
 * What a keyed hash is for: each purpose has a key of its own. 'holder' binds
 * a link to its holder; 'holder-0.4' is the form 0.4.0 bound links carry, kept
 * to verify them (see holder.ts).
 */
export type KeyedPurpose = 'holder' | 'holder-0.4' | 'jti' | 'etag';

// The HKDF info of each purpose. An info once released never changes: tokens in
// the wild carry hashes made with it.
const PURPOSE_INFO: Record<KeyedPurpose, string> = {
  holder: 'express-signed-downloads link holder v2',
  'holder-0.4': 'express-signed-downloads holder v1',
  jti: 'express-signed-downloads jti v1',
  etag: 'express-signed-downloads link etag v1',
};

/**
 * Keys of their own for keyed hashes, derived from the signing secret: the
 * signing key is never used for two purposes, nor one derived key for two.
 * Derived when first needed: a tenant's key that never binds a holder holds
 * no holder key (ten thousand tenants' keys are kept at once).
 */
export class KeyedHash {
  readonly #material: Uint8Array;
  #derived: Partial<Record<KeyedPurpose, Buffer>> | undefined;

  constructor(material: Uint8Array) {
    this.#material = material;
  }

  /** 128 bits of HMAC-SHA-256, base64url: the hash only has to be unguessable, and it rides in every URL. */
  hash(purpose: KeyedPurpose, value: string): string {
    const derived = (this.#derived ??= {});
    const key = (derived[purpose] ??= Buffer.from(hkdfSync('sha256', this.#material, new Uint8Array(0), PURPOSE_INFO[purpose], 32)));
    return createHmac('sha256', key).update(value, 'utf8').digest().subarray(0, 16).toString('base64url');
  }
}

/**
 * HS256 with Node's HMAC, synchronously, and a constant-time comparison.
 * WebCrypto's HMAC (what jose uses) runs each signature on the thread pool:
 * about 60 µs a token here against 9 µs, which is most of what a first-time
 * download or an issued URL costs (issue 8).
 */
class HmacKey implements ResolvedKey {
  readonly alg = 'HS256';
  readonly canSign = true;
  readonly keyedHash: KeyedHash;
  readonly #secret: Uint8Array;

  constructor(
    readonly kid: string | undefined,
    secret: Uint8Array,
  ) {
    this.#secret = secret;
    this.keyedHash = new KeyedHash(secret);
  }

  #mac(input: string): Buffer {
    return createHmac('sha256', this.#secret).update(input).digest();
  }

  async sign(header: Record<string, unknown>, payload: string): Promise<string> {
    const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${payload}`;
    return `${input}.${this.#mac(input).toString('base64url')}`;
  }

  async verify(token: string): Promise<boolean> {
    const dot = token.lastIndexOf('.');
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = this.#mac(token.slice(0, dot));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

export const MIN_SECRET_BYTES = 32;

/**
 * Validates an HS256 secret and returns the key; throws at start-up when it is
 * too short. `where` names the option in messages.
 */
export function resolveSecretKey(kid: string | undefined, secret: unknown, where: string): ResolvedKey {
  const bytes =
    typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret instanceof Uint8Array ? secret : undefined;
  if (bytes === undefined) {
    throw new TypeError(`${where}: the secret must be a string or a Uint8Array of at least ${MIN_SECRET_BYTES} bytes.`);
  }
  if (bytes.byteLength < MIN_SECRET_BYTES) {
    throw new RangeError(
      `${where}: the secret is ${bytes.byteLength} bytes; HS256 needs at least ${MIN_SECRET_BYTES}. ` +
        `Generate one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`,
    );
  }
  // A string's bytes are ours already; a caller's array is copied, so changing it later changes nothing.
  // Buffers of a few dozen bytes share Node's pool: ten thousand tenants' secrets are not ten thousand ArrayBuffers.
  return new HmacKey(kid, typeof secret === 'string' ? bytes : Buffer.from(bytes));
}

function toKeyObject(input: AsymmetricKeyInput, kind: 'private' | 'public'): KeyObject {
  if (input instanceof KeyObject) return input;
  // Our Jwk and node's key input describe the same JSON object.
  const source = typeof input === 'string' ? input : ({ key: input, format: 'jwk' } as Extract<Parameters<typeof createPrivateKey>[0], { format: 'jwk' }>);
  return kind === 'private' ? createPrivateKey(source) : createPublicKey(source);
}

function checkCurve(key: KeyObject, alg: 'EdDSA' | 'ES256', where: string): void {
  const ok =
    alg === 'EdDSA'
      ? key.asymmetricKeyType === 'ed25519'
      : key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  if (!ok) {
    const want = alg === 'EdDSA' ? 'an Ed25519 key' : 'an EC P-256 key';
    throw new TypeError(`${where}: alg ${alg} needs ${want}, got ${key.asymmetricKeyType ?? key.type}.`);
  }
}

async function importAsWebCrypto(key: KeyObject, alg: 'EdDSA' | 'ES256'): Promise<CryptoKey> {
  return (await importJWK(key.export({ format: 'jwk' }) as JWK, alg)) as CryptoKey;
}

// ECDSA accepts (r, s) and (r, n − s) alike: two spellings of one token. We
// sign with the low s and refuse the high one, as Bitcoin's BIP 62 does, so a
// holder cannot make a twin URL (issue 11, third attack round).
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P256_HALF = P256_ORDER >> 1n;

function scalarOf(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

/** The compact JWS with its ES256 signature in low-s form. */
function lowS(token: string): string {
  const dot = token.lastIndexOf('.');
  const signature = Buffer.from(token.slice(dot + 1), 'base64url');
  const s = scalarOf(signature.subarray(32));
  if (signature.length !== 64 || s <= P256_HALF) return token;
  const low = Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex');
  return `${token.slice(0, dot + 1)}${Buffer.concat([signature.subarray(0, 32), low]).toString('base64url')}`;
}

function hasHighS(token: string): boolean {
  const signature = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');
  return signature.length !== 64 || scalarOf(signature.subarray(32)) > P256_HALF;
}

/** Validates an EdDSA / ES256 entry synchronously (bad PEM, wrong curve, private key in `publicKey`). Signatures are jose's. */
export function resolveAsymmetricKey(config: AsymmetricKeyConfig): ResolvedKey {
  const where = `createSigner: key "${config.kid}"`;
  let privateKey: KeyObject | undefined;
  let publicKey: KeyObject;
  try {
    privateKey = config.privateKey === undefined ? undefined : toKeyObject(config.privateKey, 'private');
    publicKey = toKeyObject(config.publicKey, 'public');
  } catch (error) {
    throw new TypeError(`${where}: could not read the key (${(error as Error).message}). Pass a JWK object, a PEM string or a KeyObject.`);
  }
  if (publicKey.type !== 'public') {
    throw new TypeError(`${where}: publicKey holds a ${publicKey.type} key; pass the public half only.`);
  }
  checkCurve(publicKey, config.alg, where);
  if (privateKey !== undefined) {
    if (privateKey.type !== 'private') throw new TypeError(`${where}: privateKey is not a private key.`);
    checkCurve(privateKey, config.alg, where);
    const derived = createPublicKey(privateKey).export({ format: 'jwk' });
    const given = publicKey.export({ format: 'jwk' });
    if (derived.x !== given.x || derived.y !== given.y) {
      throw new TypeError(`${where}: privateKey and publicKey are not a pair.`);
    }
  }
  return new AsymmetricKey(config.kid, config.alg, publicKey, privateKey);
}

/** An EdDSA or ES256 key, imported for jose when it first signs or verifies. */
class AsymmetricKey implements ResolvedKey {
  readonly canSign: boolean;
  readonly keyedHash: KeyedHash | undefined;
  readonly #publicKey: KeyObject;
  readonly #privateKey: KeyObject | undefined;
  #signing: Promise<CryptoKey> | undefined;
  #verifying: Promise<CryptoKey> | undefined;

  constructor(
    readonly kid: string,
    readonly alg: 'EdDSA' | 'ES256',
    publicKey: KeyObject,
    privateKey: KeyObject | undefined,
  ) {
    this.#publicKey = publicKey;
    this.#privateKey = privateKey;
    this.canSign = privateKey !== undefined;
    this.keyedHash = privateKey === undefined ? undefined : new KeyedHash(privateKey.export({ format: 'der', type: 'pkcs8' }));
  }

  async sign(header: Record<string, unknown>, payload: string): Promise<string> {
    if (this.#privateKey === undefined) throw new Error('this signer has no private key');
    const key = await (this.#signing ??= importAsWebCrypto(this.#privateKey, this.alg));
    const token = await new CompactSign(Buffer.from(payload, 'base64url')).setProtectedHeader(header as { alg: string }).sign(key);
    return this.alg === 'ES256' ? lowS(token) : token;
  }

  async verify(token: string): Promise<boolean> {
    if (this.alg === 'ES256' && hasHighS(token)) return false;
    try {
      await compactVerify(token, await (this.#verifying ??= importAsWebCrypto(this.#publicKey, this.alg)), { algorithms: [this.alg] });
      return true;
    } catch {
      return false;
    }
  }
}
