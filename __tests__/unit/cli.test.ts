// The command line tool, run as a process as users run it (npx express-signed-downloads …).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSigner, DownloadError } from '../../lib';

const cli = resolve(__dirname, '../../dist/cli/main.js');
/** The CLI with `input` on its standard input and `env` added to its environment. */
const runWith = ({ input, env }: { input?: string; env?: Record<string, string> }, ...args: string[]) => {
  // spawnSync blocks the event loop, so Jest's timeout could never end a CLI that hangs: this limit does.
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', input, env: { ...process.env, ...env }, timeout: 60_000, killSignal: 'SIGKILL' });
  if (result.error) throw new Error(`express-signed-downloads ${args.join(' ')}: ${result.error.message}`);
  return { code: result.status, out: result.stdout, err: result.stderr };
};
const run = (...args: string[]) => runWith({}, ...args);
const SECRET = 'cli-test-secret-that-is-at-least-32-bytes';
const dir = mkdtempSync(join(tmpdir(), 'esd-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function link(signer = createSigner({ secret: SECRET }), expiresIn = 600) {
  const { token, expires } = await signer.sign({ fileId: '42', tenant: 'acme', scope: '/orgs/acme/files/42/content', expiresIn });
  return { url: `https://app.example.com/orgs/acme/files/42/content?token=${token}&expires=${expires}`, token, expires };
}

describe('keygen', () => {
  test('HS256: a secret ready for an environment variable, which createSigner accepts', () => {
    const { code, out } = run('keygen', '--alg', 'HS256');
    expect(code).toBe(0);
    expect(out).toMatch(/^DOWNLOAD_SECRET=[A-Za-z0-9_-]{43}\n$/);
    expect(() => createSigner({ secret: out.trim().split('=')[1]! })).not.toThrow();
  });

  test.each(['EdDSA', 'ES256'] as const)('%s: a key pair that signs, and a public JWK Set a verify-only service loads', async (alg) => {
    const { code, out } = run('keygen', '--alg', alg, '--kid', '2026-11');
    expect(code).toBe(0);
    const generated = JSON.parse(out) as { kid: string; alg: string; privateKey: Record<string, string>; publicKey: Record<string, string>; jwks: { keys: Record<string, string>[] } };
    expect(generated).toMatchObject({ kid: '2026-11', alg, jwks: { keys: [generated.publicKey] } });
    expect(generated.publicKey.d).toBeUndefined();
    expect(generated.privateKey.d).toEqual(expect.any(String));
    const issuer = createSigner({ keys: [{ kid: generated.kid, alg, privateKey: generated.privateKey, publicKey: generated.publicKey }] });
    const verifier = createSigner({ jwks: generated.jwks });
    expect(verifier.canSign).toBe(false);
    const { token } = await issuer.sign({ fileId: 'f', expiresIn: 60 });
    await expect(verifier.verify(token, { fileId: 'f' })).resolves.toMatchObject({ fileId: 'f', kid: '2026-11' });
  });

  test('HS256 with --kid: the keys entry holding the secret, never a secret without its kid', async () => {
    const { code, out } = run('keygen', '--alg', 'HS256', '--kid', '2026-12');
    expect(code).toBe(0);
    const entry = JSON.parse(out) as { kid: string; alg: 'HS256'; secret: string };
    expect(Object.keys(entry)).toEqual(['kid', 'alg', 'secret']);
    expect(entry).toMatchObject({ kid: '2026-12', alg: 'HS256', secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const { token } = await createSigner({ keys: [entry] }).sign({ fileId: 'f', expiresIn: 60 });
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid).toBe('2026-12');
    expect(run('keygen', '--alg', 'HS256', '--kid', '').err).toContain('--kid must not be empty');
  });

  test('a missing or unknown --alg is a usage error (exit 2)', () => {
    expect(run('keygen').code).toBe(2);
    const unknown = run('keygen', '--alg', 'RS256');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--alg must be HS256, EdDSA or ES256/);
  });
});

describe('inspect: why is my link 401?', () => {
  test('a good link with its secret: claims, expiry and an accepting verdict (exit 0)', async () => {
    const { url, expires } = await link();
    const { code, out } = run('inspect', url, '--secret', SECRET);
    expect(code).toBe(0);
    expect(out).toContain('"fid":"42"');
    expect(out).toContain('"ten":"acme"');
    expect(out).toMatch(new RegExp(`expires: ${new Date(expires * 1000).toISOString().replace(/[.]/g, '\\.')} \\(in (10m|9m \\d+s)\\)`));
    expect(out).toContain('signature: valid for the given key');
    expect(out).toContain('verdict: signature, expiry and URL check out. The route also checks what a token cannot show: the file id and tenant it is redeemed for; revocation (linksValidAfter, isRevoked).');
  });

  test('it says what it cannot see (use counts, the holder), and refuses a URL whose path the token is not bound to', async () => {
    const signer = createSigner({ secret: SECRET });
    const { token, expires } = await signer.sign({ fileId: '42', scope: '/files/42/content', expiresIn: 600, maxUses: 1, holder: 'session-a', rendition: 'thumb' });
    const url = `https://app.example.com/files/42/content?token=${token}&expires=${expires}`;
    const counted = run('inspect', url, '--secret', SECRET);
    expect(counted.code).toBe(0);
    expect(counted.out).toContain('its use count (maxUses 1: a used-up link is 410)');
    expect(counted.out).toContain('the holder: the request must carry the bindTo value (session) it was issued to');
    expect(counted.out).toContain('the rendition "thumb": the app\'s renditions must still know it, and the file must be an image they render');
    const proxied = run('inspect', url.replace('/files/', '/api/files/'), '--secret', SECRET);
    expect(proxied.code).toBe(0);
    expect(proxied.out).toContain('(fine when a proxy strips the prefix)');
    const moved = run('inspect', url.replace('/files/42/', '/files/43/'), '--secret', SECRET);
    expect(moved.code).toBe(1);
    expect(moved.out).toContain("it is bound to the path /files/42/content, and this URL's path is /files/43/content");
  });

  test("--jwks takes keygen's whole output too; an unusable key set is a usage error (exit 2)", async () => {
    const generated = run('keygen', '--alg', 'EdDSA', '--kid', 'k9');
    const file = join(dir, 'keygen.json');
    writeFileSync(file, generated.out);
    const keys = JSON.parse(generated.out) as { privateKey: never; publicKey: never };
    const { url } = await link(createSigner({ keys: [{ kid: 'k9', alg: 'EdDSA', privateKey: keys.privateKey, publicKey: keys.publicKey }] }));
    expect(run('inspect', url, '--jwks', file).code).toBe(0);
    const bad = run('inspect', url, '--jwks', '{"keys":[]}');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('`jwks` must be a JWK Set');
  });

  test('an expired link says since when (exit 1)', async () => {
    const { url } = await link(createSigner({ secret: SECRET, now: () => Date.now() - 3_600_000 }), 600);
    const { code, out } = run('inspect', url, '--secret', SECRET);
    expect(code).toBe(1);
    expect(out).toMatch(/expired 50m( \d+s)? ago/);
    expect(out).toMatch(/verdict: refused \(401 TOKEN_INVALID\): it expired 50m( \d+s)? ago$/m);
  });

  test('the wrong secret: the signature check is what fails', async () => {
    const { token } = await link();
    const { code, out } = run('inspect', token, '--secret', `${SECRET}-rotated`);
    expect(code).toBe(1);
    expect(out).toContain('verdict: refused (401 TOKEN_INVALID): signature does not verify');
  });

  test('an edited expires parameter, and a JWK Set from a file', async () => {
    const generated = JSON.parse(run('keygen', '--alg', 'EdDSA', '--kid', 'k1').out) as { privateKey: never; publicKey: never; jwks: unknown };
    const jwksFile = join(dir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify(generated.jwks));
    const { url, expires } = await link(createSigner({ keys: [{ kid: 'k1', alg: 'EdDSA', privateKey: generated.privateKey, publicKey: generated.publicKey }] }));
    expect(run('inspect', url, '--jwks', jwksFile).code).toBe(0);
    const edited = run('inspect', url.replace(`expires=${expires}`, `expires=${expires + 60}`), '--jwks', jwksFile);
    expect(edited.code).toBe(1);
    expect(edited.out).toContain(`the URL's expires=${expires + 60} is not the token's exp ${expires}`);
  });

  test('the URL is read as the signed route reads it: one token, one expires', async () => {
    const { url, expires } = await link();
    for (const variant of [`${url}&expires=${expires}`, `${url}&token=x`, url.replace(`expires=${expires}`, `expires=0${expires}`)]) {
      const { code, out } = run('inspect', variant, '--secret', SECRET);
      expect(code).toBe(1);
      expect(out).toContain('the URL needs exactly one token and one expires parameter');
    }
  });

  test('a link just past expiry is still accepted within the clock tolerance, as the route accepts it', async () => {
    const { url, expires } = await link();
    const within = run('inspect', url, '--secret', SECRET, '--now', String(expires + 3));
    expect(within.code).toBe(0);
    expect(within.out).toContain('(expired 3s ago, still within the 5 s clock tolerance)');
    expect(run('inspect', url, '--secret', SECRET, '--now', String(expires + 3), '--clock-tolerance', '0').code).toBe(1);
  });

  test('absurd times are reported, not a crash', () => {
    const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const token = `${segment({ alg: 'HS256', typ: 'esd-download+jwt' })}.${segment({ fid: 'x', iat: -1e20, exp: 1e300 })}.c2ln`;
    const { code, out, err } = run('inspect', token);
    expect(code).toBe(1);
    expect(err).toBe('');
    expect(out).toContain('(not a valid time)');
    expect(out).toContain('it has no valid exp claim');
  });

  test('without a key it decodes and says the signature is unchecked; garbage is not a token', async () => {
    const { url } = await link();
    const plain = run('inspect', url);
    expect(plain.code).toBe(0);
    expect(plain.out).toContain('signature: not checked (pass --secret, --secret-env, --keys or --jwks)');
    const garbage = run('inspect', 'not-a-token');
    expect(garbage.code).toBe(1);
    expect(garbage.out).toContain('not a download token');
    expect(run('inspect').code).toBe(2);
    const both = run('inspect', url, '--secret', 'x', '--jwks', '{}');
    expect(both.code).toBe(2);
    expect(both.err).toContain('pass one of --secret, --secret-env, --keys or --jwks, not --secret and --jwks');
  });
});

describe('inspect: copy-paste damage says what most likely happened', () => {
  const damaged = (out: string) => out.split('\n').filter((line) => line.startsWith('damaged: '));
  const acceptedAfterRepair = (out: string) => {
    expect(out).toContain('what follows is about the repaired link; the link as given is refused (401 TOKEN_INVALID)');
    expect(out).toContain('signature: valid for the given key');
    expect(out).toMatch(/^verdict: signature, expiry and URL check out\./m);
  };

  test('HTML-escaped (&amp;expires), quoted-printable (=3D) and wrapped links are repaired, and the given link still exits 1', async () => {
    const { url } = await link();
    const escaped = run('inspect', url.replace('&expires', '&amp;expires'), '--secret', SECRET);
    expect(escaped.code).toBe(1);
    expect(damaged(escaped.out)).toEqual([expect.stringContaining('"&amp;" stood for "&": the link was copied from HTML source')]);
    acceptedAfterRepair(escaped.out);
    const printable = run('inspect', url.replace('token=', 'token=3D').replace('expires=', 'expires=3D'), '--secret', SECRET);
    expect(damaged(printable.out)).toEqual([expect.stringContaining(`"=3D" stood for "=": the link was copied from a mail's quoted-printable source`)]);
    acceptedAfterRepair(printable.out);
    const wrapped = run('inspect', url.replace(/(.{70})/g, '$1\n  '), '--secret', SECRET);
    expect(damaged(wrapped.out)).toEqual([expect.stringContaining('it held spaces or line breaks: the link was wrapped')]);
    acceptedAfterRepair(wrapped.out);
  });

  test("a sentence's punctuation glued to the link: a trailing ').', or <…>", async () => {
    const { url, token } = await link();
    const sentence = run('inspect', `${url}).`, '--secret', SECRET);
    expect(damaged(sentence.out)).toEqual([`damaged: it ends in ").", which no signed link holds: it was copied with the punctuation of the text around it; dropped`]);
    acceptedAfterRepair(sentence.out);
    const angled = run('inspect', `<${url}>`, '--secret', SECRET);
    expect(damaged(angled.out)).toEqual([expect.stringContaining('it is wrapped in "<" and ">"')]);
    acceptedAfterRepair(angled.out);
    // A bare token with the full stop of its sentence.
    acceptedAfterRepair(run('inspect', `${token}.`, '--secret', SECRET).out);
  });

  test('a link cut at & (an unquoted URL in a shell): the missing expires is the token\'s exp, and the whole link is given', async () => {
    const { url, expires } = await link();
    for (const cut of [url.replace(/&expires=\d+$/, ''), url.replace(/expires=\d+$/, '')]) {
      const { code, out } = run('inspect', cut, '--secret', SECRET);
      expect(code).toBe(1);
      expect(damaged(out)).toEqual([expect.stringContaining('it has a token and no expires parameter: the link was most likely cut at')]);
      expect(damaged(out)[0]).toContain(`quote it: '…'). The token's exp gives the missing part: ${url}`);
      expect(out).toContain(`exp":${expires}`);
      acceptedAfterRepair(out);
    }
  });

  test('a truncated token: its signature is shorter than its algorithm makes, or it stops inside the claims', async () => {
    const { url, token } = await link();
    const short = run('inspect', url.slice(0, url.indexOf('&expires') - 10), '--secret', SECRET);
    expect(short.code).toBe(1);
    expect(damaged(short.out)).toEqual([]);
    expect(short.out).toMatch(/^verdict: refused \(401 TOKEN_INVALID\): its signature has 33 of the 43 characters an HS256 signature has: the link was cut short/m);
    const inClaims = run('inspect', token.slice(0, token.indexOf('.') + 20), '--secret', SECRET);
    expect(inClaims.code).toBe(1);
    expect(inClaims.out).toBe('the token stops after part of its claims: the link was cut short (a character limit, a line wrap); copy it whole\n');
    const pair = JSON.parse(run('keygen', '--alg', 'EdDSA', '--kid', 'e').out) as { privateKey: never; publicKey: never };
    const ed = await link(createSigner({ keys: [{ kid: 'e', alg: 'EdDSA', ...pair }] }));
    expect(run('inspect', ed.token.slice(0, -40)).out).toContain('its signature has 46 of the 86 characters an EdDSA signature has');
  });

  test('an intact link reports no damage', async () => {
    const { url } = await link();
    const { code, out } = run('inspect', url, '--secret', SECRET);
    expect(code).toBe(0);
    expect(damaged(out)).toEqual([]);
  });
});

describe('createSigner({ jwks })', () => {
  test('refuses secret material, keys without kid, and other key types', () => {
    expect(() => createSigner({ jwks: { keys: [] } })).toThrow(/at least one key/);
    expect(() => createSigner({ jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AA', d: 'AA', kid: 'k' }] } })).toThrow(/secret key material/);
    expect(() => createSigner({ jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AA' }] } })).toThrow(/needs a `kid`/);
    expect(() => createSigner({ jwks: { keys: [{ kty: 'RSA', n: 'AA', e: 'AQAB', kid: 'r' }] } })).toThrow(/must be an Ed25519 \(EdDSA\) or P-256 \(ES256\) public key/);
    expect(() => createSigner({ jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AA', kid: 'k', use: 'enc' }] } })).toThrow(/is not for verifying signatures/);
    expect(() => createSigner({ jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AA', kid: 'k', key_ops: ['encrypt'] }] } })).toThrow(/is not for verifying signatures/);
    expect(() => createSigner({ secret: SECRET, jwks: { keys: [] } })).toThrow(/either `secret` or `keys` \/ `jwks`/);
    expect(new DownloadError('TOKEN_INVALID').status).toBe(401);
  });
});

describe('inspect shows hostile claims, never obeys them', () => {
  // Decoding comes before verifying, so anyone can craft what inspect prints.
  const ESC = '\u001b';
  const OSC52 = `${ESC}]52;c;ZXZpbCBjbGlwYm9hcmQ=\u0007`;
  const FAKE_VERDICT = `\r${ESC}[2K${ESC}[32mverdict: signature, expiry and URL check out`;
  const RAW = [ESC, '\u0007', '\r', '\n\n', '\u007f', '\u009b', '\u0085', '\u202e', '\u2066', '\u200f', '\u061c'];
  const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const tokenWith = (header: object, claims: object) => `${segment({ alg: 'HS256', typ: 'esd-download+jwt', ...header })}.${segment({ fid: '42', iat: now, exp: now + 600, ...claims })}.${Buffer.alloc(32).toString('base64url')}`;
  const expectInert = (out: string) => {
    for (const raw of RAW) expect(out).not.toContain(raw);
    expect(out.split('\n').filter((line) => line.startsWith('verdict:'))).toHaveLength(1);
  };

  test('escape sequences, C1 and bidi controls in claims, the header and the URL are printed as escapes', () => {
    const token = tokenWith({ kid: `\u009b2J${ESC}[1A` }, {
      scp: `/files/42/content${OSC52}${FAKE_VERDICT}\n\n`, sub: `\u202eevil\u2066\u200f\u061c`, ten: `${ESC}[8m\u007f\u0085`, mu: `\u009b31m${OSC52}`,
    });
    const url = `https://app.example.com/files/42/content${ESC}[31m\u202e?token=${token}&expires=${now + 600}&x=${ESC}`;
    const checked = run('inspect', url, '--secret', SECRET);
    expect(checked.code).toBe(1);
    expectInert(checked.out);
    expect(checked.out).toContain('\\x1b]52;c;ZXZpbCBjbGlwYm9hcmQ=\\x07\\x0d\\x1b[2K\\x1b[32mverdict: signature, expiry and URL check out\\x0a\\x0a');
    expect(checked.out).toContain('\\u202eevil\\u2066\\u200f\\u061c');
    expect(checked.out).toContain('\\x9b2J');
    expect(checked.out).toContain('\\x7f\\x85');
  });

  test('a claim reaching the accepting verdict (maxUses) is escaped too', () => {
    const unchecked = run('inspect', tokenWith({}, { mu: `\u009b31m${OSC52}\r` }));
    expect(unchecked.code).toBe(0);
    expectInert(unchecked.out);
    expect(unchecked.out).toContain('its use count (maxUses \\x9b31m\\x1b]52;c;ZXZpbCBjbGlwYm9hcmQ=\\x07\\x0d: a used-up link is 410)');
  });
});

describe('inspect: keys as the app holds them, and secrets off the command line', () => {
  const OLD = SECRET;
  const NEW = `${SECRET}-new`;
  const rotatedKeys = [{ kid: 'k2', alg: 'HS256' as const, secret: NEW }, { alg: 'HS256' as const, secret: OLD }];
  const keysFile = (name: string, keys: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(keys));
    return file;
  };

  test('--keys: a link from { secret } checks out against the rotated list (its entry without kid), as does a new one', async () => {
    const file = keysFile('rotated.json', rotatedKeys);
    const old = await link(createSigner({ secret: OLD }));
    const fresh = await link(createSigner({ keys: rotatedKeys }));
    for (const { url } of [old, fresh]) {
      const { code, out } = run('inspect', url, '--keys', file);
      expect(code).toBe(0);
      expect(out).toContain('signature: valid for the given key');
    }
  });

  test('--keys without an entry lacking kid: a kid-less link is refused, and inspect says why and how to keep it', async () => {
    const file = keysFile('new-only.json', [rotatedKeys[0]]);
    const { url } = await link(createSigner({ secret: OLD }));
    const { code, out } = run('inspect', url, '--keys', file);
    expect(code).toBe(1);
    expect(out).toContain('verdict: refused (401 TOKEN_INVALID): an app configured with `keys` refuses this token: it carries no `kid` (it was issued under createSigner({ secret })), and only an entry of `keys` without a `kid` verifies such links. To keep them working, add the old secret to `keys` after the key that signs: { alg: "HS256", secret: <the old secret> }');
  });

  test('--secret against a link that names a key: the app with `secret` refuses it, and inspect says so', async () => {
    const { url } = await link(createSigner({ keys: rotatedKeys }));
    const { code, out } = run('inspect', url, '--secret', NEW);
    expect(code).toBe(1);
    expect(out).toContain('verdict: refused (401 TOKEN_INVALID): an app configured with `secret` refuses this token: it names the key "k2"');
  });

  test('--keys matches keys by kid as the app does: the right secret under another kid does not verify', async () => {
    const file = keysFile('two.json', [{ kid: 'a', alg: 'HS256', secret: OLD }, { kid: 'b', alg: 'HS256', secret: NEW }]);
    const byB = await link(createSigner({ keys: [{ kid: 'b', alg: 'HS256', secret: NEW }] }));
    expect(run('inspect', byB.url, '--keys', file).code).toBe(0);
    const misnamed = await link(createSigner({ keys: [{ kid: 'a', alg: 'HS256', secret: NEW }] }));
    const { code, out } = run('inspect', misnamed.url, '--keys', file);
    expect(code).toBe(1);
    expect(out).toContain('verdict: refused (401 TOKEN_INVALID): signature does not verify');
  });

  test("--keys takes keygen's output: an EdDSA pair, or an HS256 entry with its kid", async () => {
    const pair = run('keygen', '--alg', 'EdDSA', '--kid', 'e1').out;
    const { privateKey, publicKey } = JSON.parse(pair) as { privateKey: never; publicKey: never };
    const signedEd = await link(createSigner({ keys: [{ kid: 'e1', alg: 'EdDSA', privateKey, publicKey }] }));
    expect(run('inspect', signedEd.url, '--keys', keysFile('ed.json', JSON.parse(pair))).code).toBe(0);
    const entry = run('keygen', '--alg', 'HS256', '--kid', 'h1').out;
    const signedHs = await link(createSigner({ keys: [JSON.parse(entry) as { kid: string; alg: 'HS256'; secret: string }] }));
    expect(run('inspect', signedHs.url, '--keys', keysFile('hs.json', JSON.parse(entry))).code).toBe(0);
    const jwkSet = run('inspect', signedEd.url, '--keys', keysFile('set.json', { keys: [JSON.parse(pair).publicKey] }));
    expect(jwkSet.code).toBe(2);
    expect(jwkSet.err).toContain('a JWK Set goes to --jwks');
  });

  test('the secret from standard input (--secret -, one trailing newline dropped) or from an environment variable (--secret-env)', async () => {
    const { url } = await link();
    const piped = runWith({ input: `${SECRET}\n` }, 'inspect', url, '--secret', '-');
    expect(piped.code).toBe(0);
    expect(piped.out).toContain('signature: valid for the given key');
    const fromEnv = runWith({ env: { ESD_INSPECT_SECRET: SECRET } }, 'inspect', url, '--secret-env', 'ESD_INSPECT_SECRET');
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.out).toContain('signature: valid for the given key');
    const keysPiped = runWith({ input: JSON.stringify([{ kid: 'k2', alg: 'HS256', secret: NEW }, { alg: 'HS256', secret: SECRET }]) }, 'inspect', url, '--keys', '-');
    expect(keysPiped.code).toBe(0);
    const unset = runWith({ env: { ESD_INSPECT_SECRET: '' } }, 'inspect', url, '--secret-env', 'ESD_INSPECT_SECRET');
    expect(unset.code).toBe(2);
    expect(unset.err).toContain('--secret-env ESD_INSPECT_SECRET: that environment variable is not set');
    expect(runWith({ input: `${SECRET}-wrong\n` }, 'inspect', url, '--secret', '-').out).toContain('signature does not verify');
  });
});
