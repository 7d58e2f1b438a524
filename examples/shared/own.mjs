/**
 * The entry of a plain-object table, or null. Only own entries count: a
 * lookup by a caller's string must never answer with `__proto__`,
 * `constructor` or `toString` from Object.prototype.
 */
export function own(table, key) {
  return typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : null;
}
