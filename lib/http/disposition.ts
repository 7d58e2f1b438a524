import { create as contentDisposition } from 'content-disposition';
import type { Disposition } from '../types';
import { memo } from './memo';
import { INVISIBLE_FORMAT, toWellFormed, utf8Prefix } from './unicode';

// C0, DEL and C1 controls never belong in a file name shown to a user.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * A `Content-Disposition` value. The `content-disposition` package adds the
 * RFC 6266 / RFC 8187 `filename*` for non-ASCII names and an ASCII fallback,
 * which every browser handles.
 */
export function dispositionHeader(type: Disposition, filename: string | undefined): string {
  if (filename === undefined || filename === '') return type;
  return type === 'inline' ? inlineHeader(filename) : attachmentHeader(filename);
}

const inlineHeader = memo(1000, (filename: string) => contentDisposition(filename, { type: 'inline' }));
const attachmentHeader = memo(1000, (filename: string) => contentDisposition(filename, { type: 'attachment' }));

/**
 * The longest name sent, in UTF-8 bytes: what file systems take, and short
 * enough that the header (the name twice, once percent-encoded) stays far
 * below a proxy's buffer for response headers (nginx: 4 KB by default).
 */
export const MAX_FILENAME_BYTES = 255;

/**
 * `name` cut to {@link MAX_FILENAME_BYTES}. The type and disposition were
 * decided on the whole name, so the cut name must end in the same extension:
 * a short one (up to 16 characters) is kept; otherwise the cut part loses its
 * dots, so no extension from inside the name (`a….exe.zzz…`) can surface.
 */
function shortened(name: string): string {
  if (Buffer.byteLength(name, 'utf8') <= MAX_FILENAME_BYTES) return name;
  const dot = name.lastIndexOf('.');
  if (dot > 0 && name.length - dot <= 16) {
    const extension = name.slice(dot);
    return utf8Prefix(name.slice(0, dot), MAX_FILENAME_BYTES - Buffer.byteLength(extension, 'utf8')).replaceAll('.', '_') + extension;
  }
  return utf8Prefix(name, MAX_FILENAME_BYTES).replaceAll('.', '_');
}

/** `name` without control or invisible format characters, lone surrogates replaced, at most 255 bytes: one segment of a name a user sees. */
export function visibleName(name: string): string {
  return shortened(toWellFormed(name.replace(CONTROL, '').replace(INVISIBLE_FORMAT, '')));
}

/** The last segment of a path with either separator, as {@link visibleName} makes it. */
function baseName(name: string): string {
  return visibleName(name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1));
}

/**
 * The name a download gets: the record's filename, else the key's last
 * segment. Only the last segment of either is used (RFC 6266 §4.3: a
 * recipient must not trust directory parts), without control or invisible format
 * characters, with lone surrogates replaced (they cannot be
 * percent-encoded), and at most 255 UTF-8 bytes long.
 */
export function downloadFilename(filename: string | undefined, key: string | undefined): string | undefined {
  const name = typeof filename === 'string' && filename !== '' ? baseName(filename) : key === undefined ? '' : baseName(key);
  return name === '' || name === '.' || name === '..' ? undefined : name;
}
