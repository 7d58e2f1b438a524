import { DownloadError, isDownloadError } from '../errors';
import type { StoredObject } from '../storage/types';

/** An object's bytes from the start, a piece at a time, read only when asked for. */
export interface ChunkReader {
  /**
   * The next bytes: at least one and at most `max` (exactly `max`, or what is
   * left, from a store with positional reads or a body in memory). Rejects
   * with a `DownloadError` when the store fails or ends before `size`.
   */
  read(max: number): Promise<Buffer>;
  /** Stops reading: a stream still open is destroyed. */
  close(): void;
}

/**
 * Reads `size` bytes of `object` from `start` (default its first byte) piece by piece, so a caller can
 * hold one piece at a time and read the next only once the previous one is
 * gone: slices of a body in memory, positional reads into one buffer reused
 * from read to read (a piece is valid until the next read), else one stream
 * pulled a chunk at a time. Bytes a stream has beyond `size` are never
 * handed out.
 */
export function readChunks(object: StoredObject, size: number, start = 0): ChunkReader {
  let position = 0;
  if (object.body !== undefined) {
    const body = object.body;
    return {
      read: async (max) => body.subarray(start + position, start + (position = Math.min(size, position + max))),
      close: () => undefined,
    };
  }
  if (object.readAt !== undefined) {
    const readAt = object.readAt;
    // One buffer per reader, refilled by each read: the piece handed out is valid until the next read.
    let buffer: Buffer | undefined;
    const fill = (wanted: number, filled: number, done: (error: unknown) => void): void => {
      if (filled === wanted) return done(null);
      readAt(buffer!, filled, wanted - filled, start + position + filled, (error, bytes) => {
        if (error !== null) done(error);
        else if (bytes === 0) done(new Error(`the object ended after ${start + position + filled} bytes, before ${start + size}`));
        else fill(wanted, filled + bytes, done);
      });
    };
    return {
      async read(max) {
        const wanted = Math.min(max, size - position);
        buffer ??= Buffer.allocUnsafeSlow(Math.min(max, size));
        await new Promise<void>((resolve, reject) => fill(wanted, 0, (error) => (error === null ? resolve() : reject(failure(error)))));
        position += wanted;
        return buffer.subarray(0, wanted);
      },
      close: () => undefined,
    };
  }
  return streamChunks(object, size, start);
}

const failure = (error: unknown) => (isDownloadError(error) ? error : new DownloadError('STORAGE_ERROR', undefined, { cause: error }));

function streamChunks(object: StoredObject, size: number, start: number): ChunkReader {
  let source: (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
  let chunks: AsyncIterator<Buffer | string> | undefined;
  let pending: Buffer = Buffer.alloc(0);
  let received = 0;
  let handed = 0;

  const pull = async (): Promise<Buffer> => {
    try {
      if (chunks === undefined) {
        source = await object.stream!({ start, end: start + size - 1 });
        chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
      }
      const next = await chunks.next();
      if (next.done === true) throw new DownloadError('STORAGE_ERROR', undefined, { cause: new Error(`storage returned ${received} of ${size} bytes`) });
      const buffer = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      const kept = buffer.subarray(0, Math.max(0, size - received));
      received += kept.length;
      return kept;
    } catch (error) {
      throw failure(error);
    }
  };

  return {
    async read(max) {
      // A whole step where the stream has it, so an early failure comes before anything is sent.
      const pieces: Buffer[] = [];
      let length = 0;
      while (length < max && handed + length < size) {
        if (pending.length === 0) pending = await pull();
        const piece = pending.subarray(0, max - length);
        pending = pending.subarray(piece.length);
        pieces.push(piece);
        length += piece.length;
      }
      handed += length;
      return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, length);
    },
    close() {
      pending = Buffer.alloc(0);
      source?.destroy?.();
    },
  };
}
