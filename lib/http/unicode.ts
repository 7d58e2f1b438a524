// A lone UTF-16 surrogate: valid in a JavaScript string (a JSON body can
// carry one, so can a name cut in the middle of an emoji) but not in a URL,
// a token or a header, where encodeURIComponent throws on it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** True when `text` has no lone surrogate. */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** `text` with each lone surrogate replaced by U+FFFD, as `String.prototype.toWellFormed` does. */
export function toWellFormed(text: string): string {
  return text.replace(LONE_SURROGATES, '\uFFFD');
}

/**
 * Bidirectional formatting controls (U+061C, U+200E, U+200F, U+202A–U+202E,
 * U+2066–U+2069): invisible, they reorder what is shown around them, so
 * `invoice\u202Efdp.exe` reads as `invoiceexe.pdf`.
 */
export const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** The longest prefix of `text` whose UTF-8 encoding fits in `bytes`, cut between code points. */
export function utf8Prefix(text: string, bytes: number): string {
  let used = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (used + size > bytes) break;
    used += size;
    end += char.length;
  }
  return text.slice(0, end);
}
