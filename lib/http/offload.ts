import { isSafeKey } from '../storage/keys';

/**
 * Hand the bytes to the web server in front: after every check the app
 * answers with a header naming the file, and nginx (`X-Accel-Redirect`, an
 * `internal` location) or Apache / lighttpd (`X-Sendfile`) sends it with its
 * own Range and conditional-request handling.
 */
export interface OffloadOptions {
  /** `'X-Accel-Redirect'` (nginx: a URI of an `internal` location) or `'X-Sendfile'` (a file path). */
  header: 'X-Accel-Redirect' | 'X-Sendfile';
  /** What the key is appended to: the internal location (`'/protected/'`) or the files' directory (`'/srv/files/'`). */
  prefix: string;
}

/** What offload makes of one key. */
export type OffloadTarget =
  /** The header's value. */
  | { kind: 'offload'; location: string }
  /** A key no web server may be asked to read (`..`, absolute, a dotfile): refused as not found. */
  | { kind: 'refuse' }
  /** A safe key the header cannot name (X-Sendfile takes no escapes): the app sends the bytes itself. */
  | { kind: 'serve-here' };

/** Offload as the routers run it. */
export interface Offload {
  header: OffloadOptions['header'];
  target(key: string): OffloadTarget;
}

const hasDotSegment = (key: string) => key.split('/').some((segment) => segment.startsWith('.'));

// X-Sendfile is a plain path that neither Apache's mod_xsendfile nor lighttpd unescapes by default,
// and a header carries Latin-1 at best: only printable ASCII, without edge spaces a parser would trim.
const SENDFILE_NAMEABLE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** Validates `offload` at start-up; undefined when it is not set. */
export function parseOffload(where: string, value: unknown): Offload | undefined {
  if (value === undefined || value === false) return undefined;
  const { header, prefix } = (value ?? {}) as Partial<OffloadOptions>;
  if ((header !== 'X-Accel-Redirect' && header !== 'X-Sendfile') || typeof prefix !== 'string' || !prefix.startsWith('/') || !SENDFILE_NAMEABLE.test(prefix)) {
    throw new TypeError(
      `${where}: \`offload\` must be { header: 'X-Accel-Redirect', prefix: '/protected/' } (an internal nginx location) ` +
        "or { header: 'X-Sendfile', prefix: '/srv/files/' } (a directory); the prefix is printable ASCII.",
    );
  }
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  // nginx decodes the URI it is given (a space, `?`, `%` or non-ASCII must be escaped).
  const location = header === 'X-Accel-Redirect'
    ? (key: string): OffloadTarget => ({ kind: 'offload', location: base + key.split('/').map(encodeURIComponent).join('/') })
    : (key: string): OffloadTarget => (SENDFILE_NAMEABLE.test(key) ? { kind: 'offload', location: base + key } : { kind: 'serve-here' });
  return {
    header,
    // The web server reads by path: the same keys fsStorage refuses are refused here (`..`, absolute, dotfiles).
    target: (key) => (isSafeKey(key) && !hasDotSegment(key) ? location(key) : { kind: 'refuse' }),
  };
}
