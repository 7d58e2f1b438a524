import { contentType as mimeContentType, lookup } from 'mime-types';
import type { FileRecord } from '../types';
import { extname } from 'node:path';
import { memo } from './memo';
import { parseMediaType, type MediaType } from './media-type';

const FALLBACK: MediaType = { essence: 'application/octet-stream', value: 'application/octet-stream' };

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

/**
 * Types a browser may execute or render as an active document. A wildcard in
 * `inlineTypes` never admits them; only naming one exactly does (issue 7, #11).
 */
const ACTIVE_TYPES = new Set([
  'text/html', 'application/xhtml+xml', 'image/svg+xml', 'text/xml', 'application/xml', 'text/xsl',
  'text/javascript', 'application/javascript', 'application/x-javascript', 'text/ecmascript', 'application/ecmascript',
  'text/jscript', 'text/vbscript', 'text/x-component', 'text/x-scriptlet', 'application/hta',
  'application/x-shockwave-flash', 'text/cache-manifest',
]);

/** True for types no wildcard may make inline: the list above, any XML (`+xml`), any multipart (x-mixed-replace renders HTML parts). */
export function isActiveType(essence: string): boolean {
  return ACTIVE_TYPES.has(essence) || essence.endsWith('+xml') || essence.endsWith('/xml') || essence.startsWith('multipart/');
}

/** The type the engine settled on; `trusted` is false when a given type was malformed and replaced by octet-stream. */
export interface ResolvedType extends MediaType {
  trusted: boolean;
}

/** The type mime-types gives an extension (with its charset), parsed once per extension. */
const typeOfExtension = memo(1000, (extension: string): ResolvedType | undefined => {
  const type = lookup(extension);
  if (type === false) return undefined;
  const parsed = parseMediaType(mimeContentType(type) || type);
  return parsed === undefined ? undefined : { ...parsed, trusted: true };
});

function byName(name: string | undefined): ResolvedType | undefined {
  if (name === undefined) return undefined;
  const extension = extname(name).toLowerCase();
  return extension === '' ? undefined : typeOfExtension(extension);
}

/** A type someone declared (record or store): exactly one media type, or untrusted octet-stream. */
const declared = memo(1000, (value: string): ResolvedType => {
  const parsed = parseMediaType(value);
  return parsed === undefined ? { ...FALLBACK, trusted: false } : { ...parsed, trusted: true };
});

/** The type the record decides (its `contentType`, else its filename's extension), before any storage is asked. */
export function recordedType(file: FileRecord): ResolvedType | undefined {
  return file.contentType ? declared(file.contentType) : byName(file.filename);
}

/**
 * Content-Type by the documented order: record → filename → storage → key →
 * octet-stream. A type found by name gets a charset where mime-types has one.
 * A declared type that is not exactly one media type does not fall through to
 * the next source: it becomes octet-stream, always as an attachment.
 */
export function resolveContentType(file: FileRecord, key: string, storageType: string | undefined): ResolvedType {
  const recorded = recordedType(file);
  if (recorded !== undefined) return recorded;
  if (storageType) return declared(storageType);
  return byName(key) ?? { ...FALLBACK, trusted: true };
}

/** A matcher for `inlineTypes`: exact types, or `type/*` wildcards chosen by the host (never matching an active type). */
export function inlineMatcher(types: readonly string[]): (essence: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const type of types) {
    const normal = type.trim().toLowerCase();
    if (normal.endsWith('/*')) prefixes.push(normal === '*/*' ? '' : normal.slice(0, -1));
    else exact.add(normal);
  }
  return (essence) => exact.has(essence) || (!isActiveType(essence) && prefixes.some((prefix) => essence.startsWith(prefix)));
}
