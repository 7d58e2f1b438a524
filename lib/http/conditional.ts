import type { IncomingHttpHeaders } from 'node:http';

/** What the validators make of a request (RFC 9110 §13.2.2, evaluated in its order). */
export type PreconditionResult = 'proceed' | 'not-modified' | 'failed';

/** Validators of the representation being served. */
export interface Validators {
  etag: string | undefined;
  lastModified: Date | undefined;
}

function parseTagList(header: string): string[] {
  return header.split(',').map((tag) => tag.trim()).filter((tag) => tag !== '');
}

function isWeak(tag: string): boolean {
  return tag.startsWith('W/');
}

function opaque(tag: string): string {
  return isWeak(tag) ? tag.slice(2) : tag;
}

/** RFC 9110 §8.8.3.2: strong comparison (If-Match, If-Range) needs both tags strong and equal. */
function strongMatch(list: string, etag: string | undefined): boolean {
  if (etag === undefined || isWeak(etag)) return false;
  return parseTagList(list).some((tag) => tag === '*' || (!isWeak(tag) && tag === etag));
}

/** Weak comparison (If-None-Match): the opaque parts are equal. */
function weakMatch(list: string, etag: string | undefined): boolean {
  if (etag === undefined) return false;
  const mine = opaque(etag);
  return parseTagList(list).some((tag) => tag === '*' || opaque(tag) === mine);
}

/** Seconds since the epoch of an HTTP date, or undefined when it is not one (then the header is ignored). */
function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** Evaluates If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since. */
export function evaluatePreconditions(method: string, headers: IncomingHttpHeaders, validators: Validators): PreconditionResult {
  const { etag, lastModified } = validators;
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    if (!strongMatch(ifMatch, etag)) return 'failed';
  } else {
    const since = parseHttpDate(headers['if-unmodified-since']);
    if (since !== undefined && lastModified !== undefined && seconds(lastModified) > since) return 'failed';
  }
  const safe = method === 'GET' || method === 'HEAD';
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (weakMatch(ifNoneMatch, etag)) return safe ? 'not-modified' : 'failed';
  } else if (safe) {
    const since = parseHttpDate(headers['if-modified-since']);
    if (since !== undefined && lastModified !== undefined && seconds(lastModified) <= since) return 'not-modified';
  }
  return 'proceed';
}

/**
 * RFC 9110 §13.1.5: a Range is honoured only while If-Range still names the
 * current representation; otherwise the whole file is sent.
 */
export function rangeStillValid(headers: IncomingHttpHeaders, validators: Validators): boolean {
  const ifRange = headers['if-range'];
  if (typeof ifRange !== 'string') return true;
  const value = ifRange.trim();
  // One entity tag, strongly equal to the current one: If-Range takes no list (and no `*`).
  if (value.startsWith('"') || value.startsWith('W/')) return validators.etag !== undefined && !isWeak(validators.etag) && value === validators.etag;
  const date = parseHttpDate(value);
  // A date validator must match exactly; a weak comparison could splice two versions.
  return date !== undefined && validators.lastModified !== undefined && seconds(validators.lastModified) === date;
}

/**
 * The rest of a transfer already begun: a range that does not start at the
 * beginning, answered 206, whose If-Range is exactly the current strong ETag
 * (not a date, a list or a weak tag, which anyone can make up or learn for free).
 */
export function continuesTransfer(headers: IncomingHttpHeaders, etag: string | undefined, range: { start: number } | undefined): boolean {
  const ifRange = headers['if-range'];
  return range !== undefined && range.start > 0 && etag !== undefined && !isWeak(etag) && typeof ifRange === 'string' && ifRange.trim() === etag;
}

/** A revalidation naming the current ETag (not `*`, not a date): the client holds this very file. */
export function revalidatesCopy(headers: IncomingHttpHeaders, etag: string | undefined): boolean {
  const ifNoneMatch = headers['if-none-match'];
  if (typeof ifNoneMatch !== 'string' || etag === undefined) return false;
  const mine = opaque(etag);
  return parseTagList(ifNoneMatch).some((tag) => tag !== '*' && opaque(tag) === mine);
}

/** The request names `etag` itself, in `If-None-Match` (not `*`) or exactly in `If-Range`: it has nothing to learn of it. */
export function namesTag(headers: IncomingHttpHeaders, etag: string | undefined): boolean {
  const ifRange = headers['if-range'];
  return revalidatesCopy(headers, etag) || (etag !== undefined && typeof ifRange === 'string' && ifRange.trim() === etag);
}
