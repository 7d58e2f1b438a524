/**
 * A bounded memo of a pure function of a string. The engine derives the same
 * few headers (a type from a file name, a Content-Disposition for a name)
 * thousands of times a second; computing each once per distinct input takes
 * them off the per-request path without unbounded growth.
 */
export function memo<V>(max: number, compute: (key: string) => V): (key: string) => V {
  const values = new Map<string, V>();
  return (key) => {
    const known = values.get(key);
    if (known !== undefined || values.has(key)) return known as V;
    const value = compute(key);
    // Oldest first out: cheap, and a working set that fits never churns.
    if (values.size >= max) values.delete(values.keys().next().value!);
    values.set(key, value);
    return value;
  };
}
