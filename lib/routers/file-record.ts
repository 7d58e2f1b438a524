import type { DownloadError } from '../errors';
import { describeValue, wrongDescribed } from './hook-result';
import type { KnownMetadata } from '../http/types';
import type { FileRecord } from '../types';

const DIGITS = /^[0-9]{1,15}$/;

function recordError(field: string, value: unknown, expected: string): DownloadError {
  return wrongDescribed('findFile', `a record whose ${field} is ${describeValue(value)}`, expected);
}

/**
 * Only `undefined`, `null`, `false` and `0` mean "not locked". Anything else —
 * `true`, `1`, `'true'`, and also `'false'` or `'0'` — is locked: a value the
 * library cannot read fails closed (issue 7, #10).
 */
export function isLocked(value: unknown): boolean {
  return !(value === undefined || value === null || value === false || value === 0);
}

function size(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  // Databases hand out BIGINT columns as strings.
  const number = typeof value === 'string' && DIGITS.test(value) ? Number(value) : value;
  if (typeof number === 'number' && Number.isSafeInteger(number) && number >= 0) return number;
  throw recordError('size', value, 'a non-negative integer number of bytes');
}

/** A record's date field: a Date, a date string or epoch milliseconds. */
export function recordDate(field: string, value: unknown): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const date = value instanceof Date || Object.prototype.toString.call(value) === '[object Date]'
    ? (value as Date)
    : typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  if (date !== undefined && !Number.isNaN(date.getTime())) return date;
  throw recordError(field, value, 'a Date (or a date string or epoch milliseconds)');
}

function etag(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value !== '') return value;
  throw recordError('etag', value, 'a quoted entity tag string such as "\\"v1\\""');
}

/** The size and validators a record states, checked; malformed values are the host's bug and a clean 500 naming the field. */
export function knownMetadata(file: FileRecord): KnownMetadata {
  const known: KnownMetadata = {};
  const bytes = size(file.size);
  if (bytes !== undefined) known.size = bytes;
  const tag = etag(file.etag);
  if (tag !== undefined) known.etag = tag;
  const date = recordDate('lastModified', file.lastModified);
  if (date !== undefined) known.lastModified = date;
  return known;
}
