import type { Request } from 'express';

/**
 * Query values read from the raw URL, independent of the app's `query parser`
 * setting (Express 4 uses qs, 5 the simple parser, and either may be off).
 * A parameter that is absent is `undefined`; one that is repeated is `null`,
 * so callers can refuse ambiguity instead of picking a value.
 */
export function queryValue(req: Request, name: string): string | null | undefined {
  const url = req.url;
  const mark = url.indexOf('?');
  if (mark === -1) return undefined;
  const values = new URLSearchParams(url.slice(mark + 1)).getAll(name);
  if (values.length === 0) return undefined;
  return values.length === 1 ? values[0] : null;
}
