/**
 * Strict media-type parsing (RFC 9110 §8.3.1). A Content-Type that is not
 * exactly one `type/subtype *(; name=value)` is refused as a whole: browsers
 * split a header on commas and take the last type, so `image/gif;a=b,
 * text/html` would be checked as a GIF and rendered as HTML (issue 7, #1).
 */

/** A parsed media type: `essence` is `type/subtype` in lower case; `value` is the normalised header value. */
export interface MediaType {
  essence: string;
  value: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// A quoted string without commas or control characters (RFC 9110 §5.6.4 allows commas
// there, but no browser's parser can be trusted to honour the quotes).
const QUOTED = /^"((?:[\t !#-+\--[\]-~]|\\[\t !-~])*)"$/;
const MAX_LENGTH = 256;

function parameterValue(raw: string): string | undefined {
  if (TOKEN.test(raw)) return raw;
  const quoted = QUOTED.exec(raw);
  if (quoted === null) return undefined;
  const unescaped = quoted[1]!.replace(/\\(.)/g, '$1');
  return TOKEN.test(unescaped) ? unescaped : `"${unescaped.replace(/["\\]/g, '\\$&')}"`;
}

/** Parses `header` as exactly one media type, or returns undefined. */
export function parseMediaType(header: unknown): MediaType | undefined {
  if (typeof header !== 'string' || header.length > MAX_LENGTH || header.includes(',')) return undefined;
  const [head = '', ...parameters] = header.split(';');
  const slash = head.indexOf('/');
  const type = head.slice(0, slash).trim();
  const subtype = head.slice(slash + 1).trim();
  if (slash === -1 || !TOKEN.test(type) || !TOKEN.test(subtype) || type === '*' || subtype === '*') return undefined;
  const essence = `${type}/${subtype}`.toLowerCase();
  let value = essence;
  for (const parameter of parameters) {
    const trimmed = parameter.trim();
    if (trimmed === '') continue; // RFC 9110 allows empty parameters (`text/plain;`)
    const equals = trimmed.indexOf('=');
    const name = trimmed.slice(0, equals);
    const normalised = equals > 0 && TOKEN.test(name) ? parameterValue(trimmed.slice(equals + 1)) : undefined;
    if (normalised === undefined) return undefined;
    value += `; ${name.toLowerCase()}=${normalised}`;
  }
  return { essence, value };
}
