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

/** Throws on option keys the factory does not know, suggesting the closest known one. */
export function rejectUnknownKeys(where: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
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
