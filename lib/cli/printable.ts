// What inspect prints comes from a URL or token anyone can craft, and it is
// decoded before it is verified. A terminal obeys control characters: ESC
// starts sequences that recolour, move the cursor, rewrite a line (a fake
// green verdict) or set the clipboard (OSC 52); U+009B is a one-character CSI
// on some terminals; bidi controls reorder what is read. Shown as escapes,
// they say what they are and do nothing.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every control character as an escape: `\x1b` below U+0100, `\u202e` above. */
export function printable(text: string): string {
  return text.replace(CONTROLS, (char) => {
    const code = char.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
