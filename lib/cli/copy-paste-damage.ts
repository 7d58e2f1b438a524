import { decodeSegment } from '../tokens/compact';

/**
 * Most "my link is 401" reports are links damaged on the way from the app to
 * the browser: escaped for HTML, glued to a sentence's punctuation, cut at
 * `&` by a shell or a mail client, wrapped or truncated. A signed link has a
 * fixed shape (`?token=<three base64url segments>&expires=<digits>`), so each
 * kind of damage leaves a recognisable mark. `repair` undoes the mechanical
 * kinds; `inspect` then reports on the repaired link and says what happened.
 */
export interface Damage {
  /** The input with the mechanical damage undone (equal to the input when there was none). */
  repaired: string;
  /** What most likely happened, one sentence each. */
  causes: string[];
}

/** Characters a sentence, markdown or a mail client puts around a link; none ends a signed link. */
const TRAILING = /[)\].,;:!?'"’”>}*…]+$/u;
const LEADING = /^[<(["'‘“]+/u;
const HTML_AMPERSAND = /&(?:amp|#0*38|#x0*26);/gi;

/** Base64url characters of each algorithm's signature: a shorter one was cut. */
const SIGNATURE_LENGTH: Readonly<Record<string, number>> = { HS256: 43, EdDSA: 86, ES256: 86 };

function undo(input: string, causes: string[]): string {
  let text = input;
  if (/\s/.test(text.trim())) {
    text = text.replace(/\s+/g, '');
    causes.push('it held spaces or line breaks: the link was wrapped when it was copied (from a mail or a terminal); they were removed');
  } else text = text.trim();
  const leading = LEADING.exec(text)?.[0];
  const trailing = TRAILING.exec(text)?.[0];
  if (leading !== undefined || trailing !== undefined) {
    text = text.slice(leading?.length ?? 0, text.length - (trailing?.length ?? 0));
    const quoted = (mark: string | undefined) => JSON.stringify(mark);
    const where = leading === undefined ? `ends in ${quoted(trailing)}` : trailing === undefined ? `starts with ${quoted(leading)}` : `is wrapped in ${quoted(leading)} and ${quoted(trailing)}`;
    causes.push(`it ${where}, which no signed link holds: it was copied with the punctuation of the text around it; dropped`);
  }
  if (HTML_AMPERSAND.test(text)) {
    text = text.replace(HTML_AMPERSAND, '&');
    causes.push('"&amp;" stood for "&": the link was copied from HTML source or an escaped template (an href printed with a second escape); it was unescaped');
  }
  // A token starts with eyJ (base64url of '{"'), so token=3DeyJ is the quoted-printable spelling of token=eyJ.
  if (/[?&]token=3DeyJ/i.test(text)) {
    text = text.replace(/=3D/gi, '=');
    causes.push('"=3D" stood for "=": the link was copied from a mail\'s quoted-printable source; it was decoded');
  }
  return text;
}

/** A cut the token's own claims can mend: the `expires` parameter is the token's `exp`. */
function mendCut(text: string, causes: string[]): string {
  if (!/^https?:\/\//i.test(text)) return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  const token = url.searchParams.get('token');
  // A token cut short lost the rest of the link with it: that cut is said by truncatedToken, not here.
  if (token === null || url.searchParams.has('expires') || truncatedToken(token) !== undefined) return text;
  const exp = decodeSegment(token.split('.')[1] ?? '')?.exp;
  const cut = text.endsWith('&') ? 'at the "&" it ends with' : 'at "&"';
  if (typeof exp !== 'number' || !Number.isSafeInteger(exp)) {
    causes.push(`it has a token and no expires parameter: the link was most likely cut ${cut} (an unquoted URL in a shell ends there; quote it: '…')`);
    return text;
  }
  const mended = `${text.replace(/&$/, '')}&expires=${exp}`;
  causes.push(`it has a token and no expires parameter: the link was most likely cut ${cut} (an unquoted URL in a shell ends there; quote it: '…'). ` +
    `The token's exp gives the missing part: ${mended}`);
  return mended;
}

/** What is wrong with the token itself that only a cut explains: no key could ever verify it. */
export function truncatedToken(token: string): string | undefined {
  const parts = token.split('.');
  const header = decodeSegment(parts[0] ?? '');
  if (header === undefined) return undefined;
  if (parts.length < 3 || decodeSegment(parts[1] ?? '') === undefined) {
    return `the token stops after ${parts.length === 1 ? 'its header' : 'part of its claims'}: the link was cut short (a character limit, a line wrap); copy it whole`;
  }
  const expected = typeof header.alg === 'string' ? SIGNATURE_LENGTH[header.alg] : undefined;
  const length = parts[2]!.length;
  if (expected !== undefined && length < expected) {
    return `its signature has ${length} of the ${expected} characters an ${String(header.alg)} signature has: the link was cut short (a character limit, a line wrap); copy it whole`;
  }
  return undefined;
}

/** The mechanical damage undone, and what most likely happened to the link. */
export function copyPasteDamage(input: string): Damage {
  const causes: string[] = [];
  const repaired = mendCut(undo(input, causes), causes);
  return { repaired, causes };
}
