import type { Request } from 'express';

/** A query value: `undefined` when absent, `null` when repeated (callers refuse ambiguity rather than pick one). */
export type QueryValue = string | null | undefined;

const EMPTY = new URLSearchParams();

/**
 * The query string of the raw URL, parsed once per request, independent of
 * the app's `query parser` setting (Express 4 uses qs, 5 the simple parser,
 * and either may be off).
 */
export function queryOf(req: Request): URLSearchParams {
  const mark = req.url.indexOf('?');
  return mark === -1 ? EMPTY : new URLSearchParams(req.url.slice(mark + 1));
}

/** One parameter of a parsed query; see {@link QueryValue}. */
export function single(query: URLSearchParams, name: string): QueryValue {
  const values = query.getAll(name);
  if (values.length === 0) return undefined;
  return values.length === 1 ? values[0] : null;
}
