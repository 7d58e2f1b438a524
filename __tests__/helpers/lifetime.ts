/**
 * Lifetimes checked against the clock readings around the request, never against a fixed slack:
 * a busy machine may take seconds between issuing a link and serving it.
 */

/** Runs `call` and returns its result with the wall-clock readings (ms) just before and after. */
export async function timed<T>(call: () => PromiseLike<T>): Promise<{ value: T; before: number; after: number }> {
  const before = Date.now();
  const value = await call();
  return { value, before, after: Date.now() };
}

/** An `expires` (unix seconds) issued for `lifetime` seconds at some moment between `before` and `after`. */
export function expectExpiresIssuedBetween(expires: number, lifetime: number, before: number, after: number): void {
  expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) + lifetime);
  expect(expires).toBeLessThanOrEqual(Math.ceil(after / 1000) + lifetime);
}

/**
 * A `private, max-age=N` answer served between `before` and `after` for a link expiring at `expires`:
 * N is the whole seconds left, the current second counted as gone.
 */
export function expectPrivateMaxAge(cacheControl: string | null | undefined, expires: number, before: number, after: number): void {
  const match = /^private, max-age=(\d+)$/.exec(cacheControl ?? '');
  expect(match).not.toBeNull();
  const maxAge = Number(match![1]);
  expect(maxAge).toBeGreaterThanOrEqual(expires - Math.ceil(after / 1000));
  expect(maxAge).toBeLessThanOrEqual(expires - Math.ceil(before / 1000));
}
