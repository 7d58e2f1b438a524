import { create as contentDisposition } from 'content-disposition';
import type { Disposition } from '../types';
import { memo } from './memo';
import { toWellFormed } from './unicode';

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

/** The last segment of a path with either separator, without control characters. */
function baseName(name: string): string {
  return toWellFormed(name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1).replace(CONTROL, ''));
}

/**
 * The name a download gets: the record's filename, else the key's last
 * segment. Only the last segment of either is used (RFC 6266 §4.3: a
 * recipient must not trust directory parts), without control characters
 * and with lone surrogates replaced (they cannot be percent-encoded).
 */
export function downloadFilename(filename: string | undefined, key: string | undefined): string | undefined {
  const name = typeof filename === 'string' && filename !== '' ? baseName(filename) : key === undefined ? '' : baseName(key);
  return name === '' || name === '.' || name === '..' ? undefined : name;
}
