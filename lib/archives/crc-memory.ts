/**
 * CRC-32s learnt while members were streamed, by the member's storage key
 * and version: a resumed download then needs no re-read of a member it
 * already passed. A changed member has another version, hence another entry.
 */
export interface CrcMemory {
  get(key: string): number | undefined;
  set(key: string, crc32: number): void;
}

/** The CRC-32s of the last `maxEntries` members (default 100,000: about 10 MB), least recently used out. */
export function memoryCrcs(maxEntries = 100_000): CrcMemory {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('memoryCrcs: `maxEntries` must be a positive integer.');
  // A Map keeps insertion order: a hit moves to the end, eviction takes from the front.
  const entries = new Map<string, number>();
  return {
    get(key) {
      const crc = entries.get(key);
      if (crc !== undefined) {
        entries.delete(key);
        entries.set(key, crc);
      }
      return crc;
    },
    set(key, crc32) {
      entries.delete(key);
      entries.set(key, crc32);
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
  };
}

/** A CRC-32 as ZIP stores it: an unsigned 32-bit integer. */
export function isCrc32(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}
