import parseRange from 'range-parser';
import type { ByteRange, RangeHint } from '../storage/types';

/** How a `Range` header is answered. */
export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial'; range: ByteRange }
  | { kind: 'unsatisfiable' };

const FULL: RangeDecision = { kind: 'full' };

/**
 * RFC 9110 §14.1.1: a spec whose last position is before its first is
 * invalid, which makes the whole header invalid (ignored), not unsatisfiable.
 * range-parser folds that case into "unsatisfiable", so it is caught here.
 */
function hasInvalidSpec(header: string): boolean {
  const equals = header.indexOf('=');
  return header
    .slice(equals + 1)
    .split(',')
    .some((spec) => {
      const [first = '', last = ''] = spec.trim().split('-');
      return first !== '' && last !== '' && isLess(last, first);
    });
}

/** `a < b` for digit strings of any length (Number would round above 2^53). */
function isLess(a: string, b: string): boolean {
  const x = a.replace(/^0+(?=.)/, '');
  const y = b.replace(/^0+(?=.)/, '');
  return x.length !== y.length ? x.length < y.length : x < y;
}

/**
 * RFC 9110 §14.1.1: a suffix range longer than the representation means all
 * of it. range-parser calls it unsatisfiable, so such suffixes are shortened
 * to the size first.
 */
function clampSuffixes(header: string, size: number): string {
  return header.replace(/(=|,)(\s*)-([0-9]+)/g, (whole, separator: string, space: string, digits: string) =>
    (isLess(String(size), digits) ? `${separator}${space}-${size}` : whole));
}

/**
 * Decides on a `Range` header for a file of `size` bytes. Only single ranges
 * are served as 206: overlapping or adjacent ranges are combined first, and a
 * set that stays multiple (multipart/byteranges, a favourite of range-abuse
 * attacks) gets the whole file with 200, which RFC 9110 §14.2 allows.
 * Malformed headers and non-byte units are ignored the same way. An empty
 * file has no byte to address, so Range is ignored for it.
 */
export function decideRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined || size === 0) return FULL;
  const ranges = parseRange(size, clampSuffixes(header, size), { combine: true });
  if (ranges === -1) return hasInvalidSpec(header) ? FULL : { kind: 'unsatisfiable' };
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return FULL;
  const { start, end } = ranges[0]!;
  return { kind: 'partial', range: { start, end } };
}

const SINGLE_SPEC = /^bytes=\s*([0-9]{0,15})-([0-9]{0,15})\s*$/i;

/**
 * The one range a header names, before the size is known, for stores that
 * fetch eagerly; undefined for none, several or a malformed one (the engine
 * still decides on the full header once it knows the size).
 */
export function rangeHint(header: string | undefined): RangeHint | undefined {
  if (header === undefined) return undefined;
  const match = SINGLE_SPEC.exec(header);
  if (match === null) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '') return last === '' || Number(last) === 0 ? undefined : { suffix: Number(last) };
  if (last === '') return { start: Number(first) };
  return Number(last) < Number(first) ? undefined : { start: Number(first), end: Number(last) };
}
