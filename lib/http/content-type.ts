import { contentType as mimeContentType, lookup } from 'mime-types';
import type { StorageStat } from '../storage/types';
import type { FileRecord } from '../types';

const FALLBACK = 'application/octet-stream';

/**
 * Types a browser shows without running code. HTML, SVG, XML and scripts are
 * absent on purpose: served inline from the app's origin they would execute
 * with its cookies (stored XSS).
 */
export const DEFAULT_INLINE_TYPES: readonly string[] = Object.freeze([
  'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp', 'image/x-icon', 'image/vnd.microsoft.icon',
  'audio/mpeg', 'audio/mp4', 'audio/aac', 'audio/ogg', 'audio/wav', 'audio/x-wav', 'audio/webm', 'audio/flac',
  'video/mp4', 'video/webm', 'video/ogg', 'video/quicktime',
  'application/pdf', 'text/plain',
]);

function fromName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const type = lookup(name);
  return type === false ? undefined : type;
}

/** The bare media type (`text/plain` of `Text/Plain; charset=utf-8`). */
export function essence(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/**
 * Content-Type by the documented order: record → filename → storage → key →
 * octet-stream. A type found by name gets a charset where mime-types has one.
 */
export function resolveContentType(file: FileRecord, key: string, stat: StorageStat | null): string {
  if (file.contentType) return file.contentType;
  const byFilename = fromName(file.filename);
  if (byFilename !== undefined) return mimeContentType(byFilename) || byFilename;
  if (stat?.contentType) return stat.contentType;
  const byKey = fromName(key);
  return byKey === undefined ? FALLBACK : mimeContentType(byKey) || byKey;
}

/** A matcher for `inlineTypes`: exact types, or `type/*` wildcards chosen by the host. */
export function inlineMatcher(types: readonly string[]): (contentType: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const type of types) {
    const normal = type.trim().toLowerCase();
    if (normal.endsWith('/*')) prefixes.push(normal.slice(0, -1));
    else exact.add(normal);
  }
  return (contentType) => {
    const bare = essence(contentType);
    return exact.has(bare) || prefixes.some((prefix) => bare.startsWith(prefix));
  };
}
