import { generateKeyPairSync, randomBytes } from 'node:crypto';

/** What `keygen` prints: a secret for an environment variable, or a key pair as JWKs with the public JWK Set. */
export function keygen(alg: string, kid: string | undefined): string {
  if (alg === 'HS256') {
    // 32 random bytes: the minimum createSigner accepts, and all HS256 can use.
    return `DOWNLOAD_SECRET=${randomBytes(32).toString('base64url')}\n`;
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
