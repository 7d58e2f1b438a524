/**
 * Start-up checks shared by every factory. Each message names the option and
 * says how to fix it, because these run once while the host boots.
 */

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/**
 * Throws on option keys the factory does not know, suggesting the closest
 * known one, or what `hints` says of a key that belongs somewhere else.
 */
export function rejectUnknownKeys(where: string, options: object, known: readonly string[], hints: Readonly<Record<string, string>> = {}): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    if (Object.hasOwn(hints, key)) throw new TypeError(`${where}: unknown option \`${key}\`. ${hints[key]}`);
    const closest = known
      .map((name) => ({ name, distance: editDistance(key.toLowerCase(), name.toLowerCase()) }))
      .sort((a, b) => a.distance - b.distance)[0];
    const hint = closest !== undefined && closest.distance <= 3 ? ` Did you mean \`${closest.name}\`?` : '';
    throw new TypeError(`${where}: unknown option \`${key}\`.${hint} Known options: ${known.join(', ')}.`);
  }
}

/** Throws unless `value` is undefined or a function. */
export function optionalFunction(where: string, name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`${where}: \`${name}\` must be a function, got ${typeof value}.`);
  }
}

/** Throws unless `value` is a function. */
export function requiredFunction(where: string, name: string, value: unknown, fix: string): void {
  if (typeof value !== 'function') throw new TypeError(`${where}: \`${name}\` is required. ${fix}`);
}

/** Returns `value ?? fallback`, throwing unless it is an integer within [min, max]. */
export function integerOption(where: string, name: string, value: unknown, fallback: number, min: number, max: number, unit = 'seconds'): number {
  const resolved = value ?? fallback;
  if (typeof resolved !== 'number' || !Number.isInteger(resolved) || resolved < min || resolved > max) {
    const got = typeof resolved === 'string' ? `the string ${JSON.stringify(resolved)} (pass a number)` : String(resolved);
    throw new RangeError(`${where}: \`${name}\` must be an integer number of ${unit} from ${min} to ${max}, got ${got}.`);
  }
  return resolved;
}

/** Whether `value` looks like a Node HTTP request (what Express hands a mounted function). */
function isRequestLike(value: object): boolean {
  const candidate = value as { method?: unknown; headers?: unknown; socket?: unknown };
  return typeof candidate.method === 'string' && typeof candidate.headers === 'object' && 'socket' in candidate;
}

/**
 * Throws unless a router factory got an options object. A request in its
 * place means the factory itself was mounted (`app.use('/files',
 * downloads.serveDownload)`, the call forgotten): Express calls it with every
 * request, so say that rather than complain about the request's fields.
 */
export function checkRouterOptions(where: string, options: unknown, call: string): asserts options is object {
  if (typeof options === 'object' && options !== null && isRequestLike(options)) {
    throw new TypeError(`${where} got an HTTP request instead of options: it was mounted without being called. Call it: app.use(path, ${call}).`);
  }
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: pass an options object with at least findFile and storage.`);
}
