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

/** Offload as the routers run it. */
export interface Offload {
  header: OffloadOptions['header'];
  /** The header's value for a key, or undefined when the key is not a plain relative key. */
  target(key: string): string | undefined;
}

const hasDotSegment = (key: string) => key.split('/').some((segment) => segment.startsWith('.'));

/** Validates `offload` at start-up; undefined when it is not set. */
export function parseOffload(where: string, value: unknown): Offload | undefined {
  if (value === undefined || value === false) return undefined;
  const { header, prefix } = (value ?? {}) as Partial<OffloadOptions>;
  if ((header !== 'X-Accel-Redirect' && header !== 'X-Sendfile') || typeof prefix !== 'string' || !prefix.startsWith('/') || /[\u0000-\u001f\u007f]/.test(prefix)) {
    throw new TypeError(
      `${where}: \`offload\` must be { header: 'X-Accel-Redirect', prefix: '/protected/' } (an internal nginx location) ` +
        "or { header: 'X-Sendfile', prefix: '/srv/files/' } (a directory).",
    );
  }
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  // nginx decodes the URI it is given (a space, `?` or `%` must be escaped); X-Sendfile takes a plain path.
  const encode = header === 'X-Accel-Redirect' ? (key: string) => key.split('/').map(encodeURIComponent).join('/') : (key: string) => key;
  return {
    header,
    // The web server reads by path: the same keys fsStorage refuses are refused here (`..`, absolute, dotfiles).
    target: (key) => (isSafeKey(key) && !hasDotSegment(key) ? base + encode(key) : undefined),
  };
}
