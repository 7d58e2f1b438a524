import { generateKeyPairSync } from 'node:crypto';
import { createSigner, DownloadError } from '../../lib';
import { signerWithCache } from '../../lib/tokens/signer';
import { VerifiedTokens } from '../../lib/tokens/verified-tokens';
import { holderHashV040, hs256Token } from '../helpers/v040-tokens';
import { expectExpiresIssuedBetween, timed } from '../helpers/lifetime';

const SECRET = 'unit-secret-that-is-at-least-32-bytes!!';

async function expectInvalid(promise: Promise<unknown>) {
  await expect(promise).rejects.toMatchObject({ name: 'DownloadError', code: 'TOKEN_INVALID', status: 401 });
}

describe('createSigner start-up checks', () => {
  test.each([
    [{ secret: 'short' }, /5 bytes; HS256 needs at least 32/],
    [{}, /pass `secret`/],
    [{ keys: [] }, /non-empty `keys`/],
    [{ secret: SECRET, keys: [] }, /either `secret` or `keys`/],
    [{ keys: [{ kid: 'a', alg: 'HS256', secret: SECRET }, { kid: 'a', alg: 'HS256', secret: SECRET }] }, /appears twice/],
    [{ keys: [{ kid: 'a', alg: 'RS256', secret: SECRET }] }, /use 'HS256', 'EdDSA' or 'ES256'/],
    [{ keys: [{ kid: '', alg: 'HS256', secret: SECRET }] }, /keys\[0\] needs a non-empty string `kid`/],
    [{ keys: [{ alg: 'HS256', secret: SECRET }] }, /keys\[0\] has no `kid`, and the first key signs every new token. Put a key with a `kid` first/],
    [{ keys: [{ kid: 'k2', alg: 'HS256', secret: SECRET }, { alg: 'HS256', secret: SECRET }, { alg: 'HS256', secret: `${SECRET}-2` }] }, /keys\[1\] and keys\[2\] both have no `kid`; only one entry may omit it/],
    [{ keys: [{ kid: 'k2', alg: 'HS256', secret: SECRET }, { alg: 'EdDSA', publicKey: 'x' }] }, /keys\[1\] has no `kid`, and only an HS256 secret \(the old createSigner\(\{ secret \}\)\) may omit it/],
    [{ keys: [{ kid: 'k2', alg: 'HS256', secret: SECRET }, { alg: 'HS256', secret: 'short' }] }, /keys\[1\] \(the entry without kid\): the secret is 5 bytes/],
    [{ secret: SECRET, clockTolerance: 3600 }, /clockTolerance/],
    [{ secret: SECRET, secrt: 1 }, /unknown option `secrt`. Did you mean `secret`\?/],
    [{ keys: [{ kid: 'e', alg: 'EdDSA', publicKey: 'not a pem' }] }, /could not read the key/],
  ])('%j throws %s', (options, message) => {
    expect(() => createSigner(options as never)).toThrow(message);
  });

  test('a key of the wrong curve, a private key as publicKey, and a mismatched pair are refused', () => {
    const ed = generateKeyPairSync('ed25519');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => createSigner({ keys: [{ kid: 'x', alg: 'ES256', publicKey: ed.publicKey }] })).toThrow(/needs an EC P-256 key/);
    expect(() => createSigner({ keys: [{ kid: 'x', alg: 'EdDSA', publicKey: ed.privateKey }] })).toThrow(/public half only/);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => createSigner({ keys: [{ kid: 'x', alg: 'ES256', privateKey: ec.privateKey, publicKey: other.publicKey }] })).toThrow(/not a pair/);
  });
});

describe('sign and verify', () => {
  const signer = createSigner({ secret: SECRET });

  test('binds file, tenant, disposition and expiry', async () => {
    const { value: { token, expires }, before, after } = await timed(() => signer.sign({ fileId: 'f1', tenant: 't1', disposition: 'attachment', expiresIn: 60 }));
    expectExpiresIssuedBetween(expires, 60, before, after);
    const claims = await signer.verify(token, { fileId: 'f1', tenant: 't1', expires });
    expect(claims).toMatchObject({ fileId: 'f1', tenant: 't1', disposition: 'attachment', expires });
    await expectInvalid(signer.verify(token, { fileId: 'f2', tenant: 't1', expires }));
    await expectInvalid(signer.verify(token, { fileId: 'f1', tenant: 't2', expires }));
    await expectInvalid(signer.verify(token, { fileId: 'f1', expires }));
    await expectInvalid(signer.verify(token, { fileId: 'f1', tenant: 't1', expires: expires + 1 }));
  });

  test('a token without tenant does not open a tenant-scoped file', async () => {
    const { token } = await signer.sign({ fileId: 'f1', expiresIn: 60 });
    await expectInvalid(signer.verify(token, { fileId: 'f1', tenant: 't1' }));
  });

  test('the header carries the purpose type; garbage and empty tokens are TOKEN_INVALID', async () => {
    const { token } = await signer.sign({ fileId: 'f1', expiresIn: 60 });
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'esd-download+jwt' });
    await expectInvalid(signer.verify('not.a.jwt', { fileId: 'f1' }));
    await expectInvalid(signer.verify('', { fileId: 'f1' }));
  });

  test('expiry honours the clock tolerance', async () => {
    let now = 1_700_000_000_000;
    const clocked = createSigner({ secret: SECRET, now: () => now, clockTolerance: 0 });
    const { token } = await clocked.sign({ fileId: 'f', expiresIn: 10 });
    now += 9_000;
    await expect(clocked.verify(token, { fileId: 'f' })).resolves.toMatchObject({ fileId: 'f' });
    now += 2_000;
    await expectInvalid(clocked.verify(token, { fileId: 'f' }));
  });

  test('sign rejects bad input', async () => {
    await expect(signer.sign({ fileId: '', expiresIn: 60 })).rejects.toThrow(/fileId/);
    await expect(signer.sign({ fileId: 'f', expiresIn: 0 })).rejects.toThrow(/expiresIn/);
  });
});

describe('key rotation', () => {
  test('the first key signs, every key verifies, a removed key no longer does', async () => {
    const old = createSigner({ keys: [{ kid: 'k1', alg: 'HS256', secret: `${SECRET}-1` }] });
    const rotated = createSigner({ keys: [{ kid: 'k2', alg: 'HS256', secret: `${SECRET}-2` }, { kid: 'k1', alg: 'HS256', secret: `${SECRET}-1` }] });
    const retired = createSigner({ keys: [{ kid: 'k2', alg: 'HS256', secret: `${SECRET}-2` }] });
    const fromOld = await old.sign({ fileId: 'f', expiresIn: 60 });
    const fromNew = await rotated.sign({ fileId: 'f', expiresIn: 60 });
    expect(JSON.parse(Buffer.from(fromNew.token.split('.')[0]!, 'base64url').toString()).kid).toBe('k2');
    await expect(rotated.verify(fromOld.token, { fileId: 'f' })).resolves.toMatchObject({ kid: 'k1' });
    await expect(rotated.verify(fromNew.token, { fileId: 'f' })).resolves.toMatchObject({ kid: 'k2' });
    await expectInvalid(retired.verify(fromOld.token, { fileId: 'f' }));
  });

  test.each([
    ['EdDSA', () => generateKeyPairSync('ed25519')],
    ['ES256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ] as const)('%s: a verifier holding only the public key (PEM or JWK) verifies but cannot sign', async (alg, generate) => {
    const pair = generate();
    const issuer = createSigner({ keys: [{ kid: 'a1', alg, privateKey: pair.privateKey, publicKey: pair.publicKey }] });
    const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const jwk = pair.publicKey.export({ format: 'jwk' });
    const { token } = await issuer.sign({ fileId: 'f', tenant: 't', expiresIn: 60 });
    for (const publicKey of [pem, jwk]) {
      const verifier = createSigner({ keys: [{ kid: 'a1', alg, publicKey }] });
      expect(verifier.canSign).toBe(false);
      await expect(verifier.verify(token, { fileId: 'f', tenant: 't' })).resolves.toMatchObject({ fileId: 'f', kid: 'a1' });
      await expect(verifier.sign({ fileId: 'f', expiresIn: 60 })).rejects.toThrow('this signer has no private key');
    }
  });

  test('algorithms are pinned: a token with the right kid but another alg is refused', async () => {
    const pair = generateKeyPairSync('ed25519');
    const verifier = createSigner({ keys: [{ kid: 'shared', alg: 'EdDSA', publicKey: pair.publicKey }] });
    // An HS256 token "signed" with the public key's bytes: the classic algorithm-confusion forgery.
    const attacker = createSigner({ keys: [{ kid: 'shared', alg: 'HS256', secret: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string }] });
    const { token } = await attacker.sign({ fileId: 'f', expiresIn: 60 });
    await expectInvalid(verifier.verify(token, { fileId: 'f' }));
  });

  test('an unknown kid is refused', async () => {
    const a = createSigner({ keys: [{ kid: 'a', alg: 'HS256', secret: SECRET }] });
    const b = createSigner({ keys: [{ kid: 'b', alg: 'HS256', secret: SECRET }] });
    const { token } = await a.sign({ fileId: 'f', expiresIn: 60 });
    await expectInvalid(b.verify(token, { fileId: 'f' }));
  });
});

describe('rotating from `secret` to `keys`: the old secret as the entry without kid', () => {
  const OLD = `${SECRET}-old`;
  const NEW = `${SECRET}-new`;
  const headerOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
  const rotated = createSigner({ keys: [{ kid: 'k2', alg: 'HS256', secret: NEW }, { alg: 'HS256', secret: OLD }] });

  test('a link signed under { secret } verifies after the rotation; new links carry the new kid; dropping the entry refuses the old link', async () => {
    const old = await createSigner({ secret: OLD }).sign({ fileId: 'f', tenant: 't', expiresIn: 60 });
    expect(headerOf(old.token)).toEqual({ alg: 'HS256', typ: 'esd-download+jwt' });
    const claims = await rotated.verify(old.token, { fileId: 'f', tenant: 't', expires: old.expires });
    expect(claims).toMatchObject({ fileId: 'f', tenant: 't', expires: old.expires });
    expect(claims).not.toHaveProperty('kid');
    const fresh = await rotated.sign({ fileId: 'f', expiresIn: 60 });
    expect(headerOf(fresh.token)).toEqual({ alg: 'HS256', typ: 'esd-download+jwt', kid: 'k2' });
    const retired = createSigner({ keys: [{ kid: 'k2', alg: 'HS256', secret: NEW }] });
    await expect(retired.verify(fresh.token, { fileId: 'f' })).resolves.toMatchObject({ kid: 'k2' });
    await expectInvalid(retired.verify(old.token, { fileId: 'f', tenant: 't' }));
  });

  test('a token is checked only by the entry it names: a kid never by the kid-less entry, no kid never by a kid\'d one', async () => {
    // Each token below is signed with a secret the rotated signer holds, under the other naming.
    const oldSecretWithKid = await createSigner({ keys: [{ kid: 'k1', alg: 'HS256', secret: OLD }] }).sign({ fileId: 'f', expiresIn: 60 });
    const newSecretWithoutKid = await createSigner({ secret: NEW }).sign({ fileId: 'f', expiresIn: 60 });
    await expectInvalid(rotated.verify(oldSecretWithKid.token, { fileId: 'f' }));
    await expectInvalid(rotated.verify(newSecretWithoutKid.token, { fileId: 'f' }));
    // A kid-less token is not tried against an asymmetric key either.
    const pair = generateKeyPairSync('ed25519');
    const edOnly = createSigner({ keys: [{ kid: 'e', alg: 'EdDSA', privateKey: pair.privateKey, publicKey: pair.publicKey }, { alg: 'HS256', secret: OLD }] });
    await expectInvalid(edOnly.verify(newSecretWithoutKid.token, { fileId: 'f' }));
    const old = await createSigner({ secret: OLD }).sign({ fileId: 'f', expiresIn: 60 });
    await expect(edOnly.verify(old.token, { fileId: 'f' })).resolves.toMatchObject({ fileId: 'f' });
  });

  test('a link bound to a holder under { secret } still matches that holder (and no other) after the rotation', async () => {
    const old = await createSigner({ secret: OLD }).sign({ fileId: 'f', expiresIn: 60, holder: 'session-A' });
    const claims = await rotated.verify(old.token, { fileId: 'f' });
    expect(rotated.holderMatches(claims, 'session-A')).toBe(true);
    expect(rotated.holderMatches(claims, 'session-B')).toBe(false);
  });
});

describe('holder binding: one hash per link', () => {
  const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { hb: string; jti: string };

  test('two links for one holder carry unrelated hashes; each matches its holder only', async () => {
    const signer = createSigner({ secret: SECRET });
    const first = await signer.verify((await signer.sign({ fileId: 'f', expiresIn: 60, holder: 'session-A' })).token, { fileId: 'f' });
    const second = await signer.verify((await signer.sign({ fileId: 'f', expiresIn: 60, holder: 'session-A' })).token, { fileId: 'f' });
    expect(first.holder).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(second.holder).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(first.holder).not.toBe(second.holder);
    for (const claims of [first, second]) {
      expect(signer.holderMatches(claims, 'session-A')).toBe(true);
      expect(signer.holderMatches(claims, 'session-B')).toBe(false);
      expect(signer.holderMatches(claims, undefined)).toBe(false);
    }
    // A hash belongs to its link: under another jti it matches nobody.
    expect(signer.holderMatches({ ...first, jti: second.jti! }, 'session-A')).toBe(false);
  });

  test('cache-stable links: one token per holder in a bucket, another holder gets another jti and hash', async () => {
    const signer = createSigner({ secret: SECRET, now: () => 1_700_000_000_000 });
    const input = { fileId: 'f', expiresIn: 60, bucketSeconds: 300 };
    const a1 = await signer.sign({ ...input, holder: 'session-A' });
    const a2 = await signer.sign({ ...input, holder: 'session-A' });
    const b = await signer.sign({ ...input, holder: 'session-B' });
    expect(a1.stable).toBe(true);
    expect(a2.token).toBe(a1.token);
    expect(b.jti).not.toBe(a1.jti);
    expect(claimsOf(b.token).hb).not.toBe(claimsOf(a1.token).hb);
    const claims = await signer.verify(a1.token, { fileId: 'f' });
    expect(signer.holderMatches(claims, 'session-A')).toBe(true);
    expect(signer.holderMatches(claims, 'session-B')).toBe(false);
  });

  test('a link 0.4.0 bound (the hash of the holder alone) works for its holder until it expires; new links never carry that form', async () => {
    const signer = createSigner({ secret: SECRET });
    const now = Math.floor(Date.now() / 1000);
    const legacy = hs256Token(SECRET, { fid: 'f', iat: now, exp: now + 60, jti: 'legacy-jti', hb: holderHashV040(SECRET, 'session-A') });
    const claims = await signer.verify(legacy, { fileId: 'f' });
    expect(signer.holderMatches(claims, 'session-A')).toBe(true);
    expect(signer.holderMatches(claims, 'session-B')).toBe(false);
    const fresh = await signer.sign({ fileId: 'f', expiresIn: 60, holder: 'session-A' });
    expect(claimsOf(fresh.token).hb).not.toBe(holderHashV040(SECRET, 'session-A'));
  });
});

test('errors are DownloadErrors with a stable code', async () => {
  const error = await createSigner({ secret: SECRET }).verify('x', { fileId: 'f' }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DownloadError);
  expect((error as DownloadError).message).toBe('The download link has expired or is invalid.');
});

describe('interoperability with jose', () => {
  const key = new TextEncoder().encode(SECRET);

  test('an HS256 token from the signer is a JWT jose verifies, with the documented header and claims', async () => {
    const { jwtVerify } = await import('jose');
    const signer = createSigner({ secret: SECRET });
    const { token, expires, jti } = await signer.sign({ fileId: 'f1', tenant: 't', disposition: 'inline', scope: '/files/f1/content', expiresIn: 60 });
    const { payload, protectedHeader } = await jwtVerify(token, key, { audience: 'express-signed-downloads', typ: 'esd-download+jwt', algorithms: ['HS256'] });
    expect(protectedHeader).toEqual({ alg: 'HS256', typ: 'esd-download+jwt' });
    expect(jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(payload).toEqual({ fid: 'f1', ten: 't', dis: 'inline', scp: '/files/f1/content', aud: 'express-signed-downloads', iat: expires - 60, exp: expires, jti });
  });

  test('a token jose signs with the same claims verifies; one jose signs with another key or alg does not', async () => {
    const { SignJWT } = await import('jose');
    const signer = createSigner({ secret: SECRET });
    const make = (secret: Uint8Array, alg = 'HS256') => new SignJWT({ fid: 'f1', scp: '/p' })
      .setProtectedHeader({ alg, typ: 'esd-download+jwt' }).setAudience('express-signed-downloads').setIssuedAt().setExpirationTime('1m').sign(secret);
    await expect(signer.verify(await make(key), { fileId: 'f1', scope: '/p' })).resolves.toMatchObject({ fileId: 'f1', scope: '/p' });
    await expectInvalid(signer.verify(await make(new TextEncoder().encode(`${SECRET}x`)), { fileId: 'f1', scope: '/p' }));
    await expectInvalid(signer.verify(await make(key, 'HS512'), { fileId: 'f1', scope: '/p' }));
  });

  test.each([
    [{ alg: 'HS256', typ: 'esd-download+jwt', crit: ['x'], x: 1 }],
    [{ alg: 'HS256', typ: 'esd-download+jwt', b64: false }],
    [{ alg: 'HS256', typ: 'esd-download+jwt', jwk: { kty: 'oct', k: 'AAAA' } }],
    [{ alg: 'HS256' }],
  ])('a header with anything but alg, typ and kid is refused even when the signature is right: %j', async (protectedHeader) => {
    const { SignJWT } = await import('jose');
    const token = await new SignJWT({ fid: 'f1' }).setProtectedHeader(protectedHeader as never).setAudience('express-signed-downloads')
      .setIssuedAt().setExpirationTime('1m').sign(key).catch(() => undefined);
    if (token !== undefined) await expectInvalid(createSigner({ secret: SECRET }).verify(token, { fileId: 'f1' }));
  });

  test('EdDSA and ES256 tokens (signed by jose) verify with jose after the signer made them', async () => {
    const { jwtVerify } = await import('jose');
    for (const [alg, pair] of [['EdDSA', generateKeyPairSync('ed25519')], ['ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' })]] as const) {
      const signer = createSigner({ keys: [{ kid: 'k', alg, privateKey: pair.privateKey, publicKey: pair.publicKey }] });
      const { token } = await signer.sign({ fileId: 'f', expiresIn: 60 });
      await expect(jwtVerify(token, pair.publicKey, { audience: 'express-signed-downloads' })).resolves.toMatchObject({ payload: { fid: 'f' } });
      await expect(signer.verify(token, { fileId: 'f' })).resolves.toMatchObject({ fileId: 'f', kid: 'k' });
    }
  });
});

describe('the verified-token cache', () => {
  test('a repeat skips only the signature: expiry and bindings are checked on every use', async () => {
    let now = 1_700_000_000_000;
    const signer = createSigner({ secret: SECRET, now: () => now, clockTolerance: 0 });
    const { token } = await signer.sign({ fileId: 'f', tenant: 't', expiresIn: 10 });
    await expect(signer.verify(token, { fileId: 'f', tenant: 't' })).resolves.toMatchObject({ fileId: 'f' });
    await expectInvalid(signer.verify(token, { fileId: 'g', tenant: 't' }));
    await expectInvalid(signer.verify(token, { fileId: 'f', tenant: 'u' }));
    await expect(signer.verify(token, { fileId: 'f', tenant: 't' })).resolves.toMatchObject({ fileId: 'f' });
    now += 10_000;
    await expectInvalid(signer.verify(token, { fileId: 'f', tenant: 't' }));
  });

  test('a forged token stays refused on every try, and a cache of 0 verifies every time', async () => {
    const signer = createSigner({ secret: SECRET, cache: 0 });
    const { token } = await signer.sign({ fileId: 'f', expiresIn: 60 });
    for (let i = 0; i < 3; i++) await expect(signer.verify(token, { fileId: 'f' })).resolves.toMatchObject({ fileId: 'f' });
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BA' : 'AA'}`;
    for (let i = 0; i < 3; i++) await expectInvalid(createSigner({ secret: SECRET }).verify(forged, { fileId: 'f' }));
    expect(() => createSigner({ secret: SECRET, cache: -1 })).toThrow(/cache must be a non-negative integer/);
  });
});

describe('ES256 tokens have one spelling', () => {
  // ECDSA accepts (r, s) and (r, n - s): a holder could mint a twin URL that a
  // deny-list keyed on the token text would miss (third attack round).
  const ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
  const scalar = (bytes: Buffer) => BigInt(`0x${bytes.toString('hex')}`);

  test('signatures are issued with the low s, and the high-s twin is refused', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const signer = createSigner({ keys: [{ kid: 'e1', alg: 'ES256', privateKey, publicKey }] });
    for (let i = 0; i < 20; i++) {
      const { token } = await signer.sign({ fileId: `f${i}`, expiresIn: 60 });
      const dot = token.lastIndexOf('.');
      const signature = Buffer.from(token.slice(dot + 1), 'base64url');
      const s = scalar(signature.subarray(32));
      expect(s <= ORDER >> 1n).toBe(true);
      await expect(signer.verify(token, { fileId: `f${i}` })).resolves.toMatchObject({ fileId: `f${i}` });
      const high = Buffer.from((ORDER - s).toString(16).padStart(64, '0'), 'hex');
      const twin = `${token.slice(0, dot + 1)}${Buffer.concat([signature.subarray(0, 32), high]).toString('base64url')}`;
      await expect(signer.verify(twin, { fileId: `f${i}` })).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    }
  });
});

test('signers sharing one verified-token cache (the tenants\' signers) never take each other\'s word for a token', async () => {
  const cache = new VerifiedTokens(100);
  // The same kid on both: only the secret tells them apart.
  const a = signerWithCache({ keys: [{ kid: 'k', alg: 'HS256', secret: `${SECRET}-tenant-a` }] }, cache);
  const b = signerWithCache({ keys: [{ kid: 'k', alg: 'HS256', secret: `${SECRET}-tenant-b` }] }, cache);
  const { token } = await a.sign({ fileId: 'f', tenant: 'a', expiresIn: 60 });
  await expect(a.verifySignature(token)).resolves.toMatchObject({ fileId: 'f', tenant: 'a' });
  await expect(a.verifySignature(token)).resolves.toMatchObject({ fileId: 'f', tenant: 'a' });
  await expectInvalid(b.verifySignature(token));
  const { token: own } = await b.sign({ fileId: 'f', tenant: 'b', expiresIn: 60 });
  await expect(b.verifySignature(own)).resolves.toMatchObject({ tenant: 'b' });
  await expectInvalid(a.verifySignature(own));
});

test('a signer\'s methods live on it, not on copies: { ...signer } has none, so a wrapper must call through', async () => {
  const signer = createSigner({ secret: SECRET });
  expect(typeof signer.sign).toBe('function');
  expect(typeof ({ ...signer } as Partial<typeof signer>).sign).toBe('undefined');
  const wrapped = { ...signer, sign: signer.sign.bind(signer), verify: signer.verify.bind(signer), verifySignature: signer.verifySignature.bind(signer), holderMatches: signer.holderMatches.bind(signer), linkTag: signer.linkTag.bind(signer) };
  const { token, expires } = await wrapped.sign({ fileId: 'f', expiresIn: 60 });
  await expect(wrapped.verify(token, { fileId: 'f', expires })).resolves.toMatchObject({ fileId: 'f' });
});
