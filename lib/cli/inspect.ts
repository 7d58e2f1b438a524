import { isDownloadError } from '../errors';
import { decodeSegment } from '../tokens/compact';
import { copyPasteDamage, truncatedToken } from './copy-paste-damage';
import { linkParameters } from '../routers/link-parameters';
import { createSigner, type SignerOptions } from '../tokens/signer';
import { UsageError } from './keygen';
import { printable } from './printable';

/** What `inspect` was given: a whole URL (its query read exactly as the signed route reads it), or a bare token. */
function parseInput(input: string): { token: string; expires: number | undefined; path: string | undefined; queryProblem: string | undefined } {
  if (/^https?:\/\//i.test(input)) {
    const url = new URL(input);
    try {
      const { token, expires } = linkParameters(url.searchParams);
      return { token, expires, path: url.pathname, queryProblem: undefined };
    } catch {
      const tokens = url.searchParams.getAll('token');
      if (tokens.length === 0) throw new UsageError('the URL has no token parameter');
      return { token: tokens[0]!, expires: undefined, path: url.pathname, queryProblem: 'the URL needs exactly one token and one expires parameter (digits, no leading zero)' };
    }
  }
  return { token: input.trim(), expires: undefined, path: undefined, queryProblem: undefined };
}

/** A claim's time as ISO 8601, or what is wrong with it. */
function timeOf(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? `${seconds} (not a valid time)` : date.toISOString();
}

function duration(seconds: number): string {
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (seconds >= size || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(seconds / size)}${unit}`);
      seconds %= size;
    }
  }
  return parts.join(' ');
}

/**
 * Why an app holding these keys refuses the token whatever its signature:
 * the token names no key the app has. Said plainly for the two ways a
 * rotation between `secret` and `keys` gets there.
 */
function keyMismatch(header: Record<string, unknown>, keys: SignerOptions): string | undefined {
  if (keys.secret !== undefined) {
    if (header.kid === undefined) return undefined;
    return `an app configured with \`secret\` refuses this token: it names the key ${JSON.stringify(header.kid)}, and \`secret\` verifies only tokens without a kid (check it against the app's key list with --keys)`;
  }
  if (header.kid !== undefined || (keys.keys ?? []).some((key) => key.kid === undefined)) return undefined;
  return 'an app configured with `keys` refuses this token: it carries no `kid` (it was issued under createSigner({ secret })), and only an entry of `keys` without a `kid` verifies such links. ' +
    'To keep them working, add the old secret to `keys` after the key that signs: { alg: "HS256", secret: <the old secret> }';
}

/** What the signed route checks that a token alone cannot show: said, so "accepts" is never read as more than it is. */
function unseen(claims: Record<string, unknown>): string[] {
  const more = ['the file id and tenant it is redeemed for', 'revocation (linksValidAfter, isRevoked)'];
  if (claims.mu !== undefined) more.push(`its use count (maxUses ${String(claims.mu)}: a used-up link is 410)`);
  if (claims.hb !== undefined) more.push('the holder: the request must carry the bindTo value (session) it was issued to');
  if (claims.rn !== undefined) more.push(`the rendition ${JSON.stringify(claims.rn)}: the app's renditions must still know it, and the file must be an image they render`);
  return more;
}

export interface InspectOptions {
  /** The keys to verify with, as createSigner takes them (see key-source.ts); without them the signature is not checked. */
  keys?: SignerOptions | undefined;
  /** Unix seconds (default: now). */
  now?: number | undefined;
  /** Seconds of skew the signed route allows (default 5, createSigner's default). */
  clockTolerance?: number | undefined;
}

/**
 * Decodes a download token (or the URL holding it) and says whether the
 * signed route would accept it, and if not, which check fails: the answer to
 * "why is my link 401?". `ok` is false when a check fails.
 */
export async function inspect(input: string, options: InspectOptions): Promise<{ report: string; ok: boolean }> {
  const damage = copyPasteDamage(input);
  const { token, expires, path, queryProblem } = parseInput(damage.repaired);
  const damaged = damage.causes.map((cause) => `damaged: ${cause}`);
  if (damaged.length > 0) damaged.push('what follows is about the repaired link; the link as given is refused (401 TOKEN_INVALID)');
  const cut = truncatedToken(token);
  const [headerPart = '', payloadPart = ''] = token.split('.');
  const header = decodeSegment(headerPart);
  const claims = decodeSegment(payloadPart);
  if (header === undefined || claims === undefined || token.split('.').length !== 3) {
    const verdict = cut ?? 'not a download token: expected three base64url segments of JSON (header.payload.signature)';
    return { report: `${[...damaged, verdict].map(printable).join('\n')}\n`, ok: false };
  }
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const tolerance = options.clockTolerance ?? 5;
  const lines = [...damaged, `header: ${JSON.stringify(header)}`, `claims: ${JSON.stringify(claims)}`];
  const problems: string[] = [cut, queryProblem].filter((problem) => problem !== undefined);
  const exp = typeof claims.exp === 'number' && Number.isSafeInteger(claims.exp) ? claims.exp : undefined;
  if (typeof claims.iat === 'number') lines.push(`issued:  ${timeOf(claims.iat)}`);
  if (exp === undefined) problems.push('it has no valid exp claim');
  else if (exp > now) lines.push(`expires: ${timeOf(exp)} (in ${duration(exp - now)})`);
  else if (now - tolerance < exp) lines.push(`expires: ${timeOf(exp)} (expired ${duration(now - exp)} ago, still within the ${tolerance} s clock tolerance)`);
  else {
    lines.push(`expires: ${timeOf(exp)} (expired ${duration(now - exp)} ago)`);
    problems.push(`it expired ${duration(now - exp)} ago`);
  }
  if (header.typ !== 'esd-download+jwt') problems.push(`its typ is ${JSON.stringify(header.typ)}, not "esd-download+jwt": not a download token`);
  if (expires !== undefined && exp !== undefined && expires !== exp) problems.push(`the URL's expires=${expires} is not the token's exp ${exp}`);
  if (path !== undefined && typeof claims.scp === 'string' && claims.scp.startsWith('/') && claims.scp !== path) {
    // A proxy may strip a prefix (publicBaseUrl's path); nothing maps a path to another file.
    if (path.endsWith(claims.scp)) lines.push(`note: the token is bound to the path ${claims.scp}; this URL's path is ${path} (fine when a proxy strips the prefix)`);
    else problems.push(`it is bound to the path ${claims.scp}, and this URL's path is ${path}`);
  }
  const keys = options.keys;
  if (keys !== undefined) {
    // The real verification, with the clock at `now` and no skew allowed, so the verdict is exact.
    let signer: ReturnType<typeof createSigner>;
    try {
      signer = createSigner({ ...keys, clockTolerance: tolerance, now: () => now * 1000, cache: 0 });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    try {
      await signer.verifySignature(token);
      lines.push('signature: valid for the given key');
    } catch (error) {
      const cause = isDownloadError(error) && error.cause instanceof Error ? error.cause.message : String(error);
      lines.push(`signature and claims: refused (${cause})`);
      const mismatch = keyMismatch(header, keys);
      if (mismatch !== undefined) problems.push(mismatch);
      else if (!problems.some((problem) => problem.startsWith('it expired')) || !/expired/.test(cause)) problems.push(cause);
    }
  } else {
    lines.push('signature: not checked (pass --secret, --secret-env, --keys or --jwks)');
  }
  const checked = keys !== undefined;
  if (problems.length > 0) lines.push(`verdict: refused (401 TOKEN_INVALID): ${problems.join('; ')}`);
  else {
    lines.push(`verdict: ${checked ? 'signature, expiry and URL check out' : 'expiry and URL check out; the signature was not checked'}. The route also checks what a token cannot show: ${unseen(claims).join('; ')}.`);
  }
  // Line by line: a newline inside a claim must not start a line of its own.
  return { report: `${lines.map(printable).join('\n')}\n`, ok: problems.length === 0 && damaged.length === 0 };
}
