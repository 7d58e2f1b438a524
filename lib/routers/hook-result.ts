import { DownloadError } from '../errors';

/** A short, safe rendering of what a hook returned, for an error's cause (never sent to the client). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  try {
    const json = JSON.stringify(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
  }
}

/**
 * The error for a hook that returned something it may not: 500
 * `INTERNAL_ERROR` whose cause names the hook, what it returned and what was
 * expected, so `onEvent` and logs say exactly what to fix.
 */
export function wrongResult(hook: string, value: unknown, expected: string): DownloadError {
  return wrongDescribed(hook, describeValue(value), expected);
}

/** {@link wrongResult} for a result already put in words (e.g. "a record whose size is -1"). */
export function wrongDescribed(hook: string, described: string, expected: string): DownloadError {
  return new DownloadError('INTERNAL_ERROR', undefined, { cause: new TypeError(`${hook} returned ${described}; expected ${expected}`) });
}
