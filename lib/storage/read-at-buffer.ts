import type { ReadAt } from './types';

/** Positional reads from bytes already in memory, answered on the next tick as a descriptor's would be. */
export function readAtBuffer(data: Buffer): ReadAt {
  return (buffer, offset, length, position, callback) => {
    const copied = data.copy(buffer, offset, position, Math.min(data.length, position + length));
    process.nextTick(callback, null, copied);
  };
}
