import { generateKeyPairSync, randomBytes } from 'node:crypto';

/**
 * What `keygen` prints: a secret for an environment variable, or with a kid
 * the `keys` entry holding it (a kid given is never dropped: the app would
 * sign without it); for EdDSA and ES256 a key pair as JWKs with the public JWK Set.
 */
export function keygen(alg: string, kid: string | undefined): string {
  if (kid === '') throw new UsageError('--kid must not be empty');
  if (alg === 'HS256') {
    // 32 random bytes: the minimum createSigner accepts, and all HS256 can use.
    const secret = randomBytes(32).toString('base64url');
    return kid === undefined ? `DOWNLOAD_SECRET=${secret}\n` : `${JSON.stringify({ kid, alg, secret }, null, 2)}\n`;
  }
  if (alg !== 'EdDSA' && alg !== 'ES256') throw new UsageError(`--alg must be HS256, EdDSA or ES256, got ${JSON.stringify(alg)}`);
  const id = kid ?? `${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;
  const pair = alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const publicJwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: id, alg, use: 'sig' };
  const privateJwk = { ...pair.privateKey.export({ format: 'jwk' }), kid: id, alg, use: 'sig' };
  return `${JSON.stringify({
    kid: id,
    alg,
    // createSigner({ keys: [{ kid, alg, privateKey, publicKey }] }) on the issuing service:
    privateKey: privateJwk,
    publicKey: publicJwk,
    // createSigner({ jwks }) on a verify-only service:
    jwks: { keys: [publicJwk] },
  }, null, 2)}\n`;
}

/** A mistake in the command line: exit code 2 and the usage. */
export class UsageError extends Error {}
