// Control characters (C0, DEL, C1): never part of a legitimate key and a classic way to confuse path or URL handling.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * True when `key` is a plain relative key: no control characters, no
 * backslash, not absolute, and no empty, `.` or `..` segments. Adapters
 * refuse anything else before touching the store, so no normalisation (of a
 * path or of a URL) can turn a key into another one.
 */
export function isSafeKey(key: unknown): key is string {
  if (typeof key !== 'string' || key === '' || key.length > 1024) return false;
  if (CONTROL.test(key) || key.includes('\\')) return false;
  return key.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}
