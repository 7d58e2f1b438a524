import { create as contentDisposition } from 'content-disposition';
import type { Disposition } from '../types';

/**
 * A `Content-Disposition` value. The `content-disposition` package adds the
 * RFC 6266 / RFC 8187 `filename*` for non-ASCII names and an ASCII fallback,
 * which every browser handles.
 */
export function dispositionHeader(type: Disposition, filename: string | undefined): string {
  return filename === undefined || filename === '' ? type : contentDisposition(filename, { type });
}

/** The name a download gets: the record's filename, else the key's last segment. */
export function downloadFilename(filename: string | undefined, key: string | undefined): string | undefined {
  if (filename !== undefined && filename !== '') return filename;
  if (key === undefined) return undefined;
  const last = key.slice(key.lastIndexOf('/') + 1);
  return last === '' ? undefined : last;
}
