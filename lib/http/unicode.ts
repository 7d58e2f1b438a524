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
 * Invisible format characters (Unicode category Cf: bidi controls such as
 * U+202E, zero-width spaces, soft hyphens, BOMs), except the zero-width joiner
 * that emoji sequences need: they reorder or hide what a user sees, so
 * `invoice\u202Efdp.exe` reads as `invoiceexe.pdf`.
 */
export const INVISIBLE_FORMAT = /(?!\u200d)\p{Cf}/gu;

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
