import { Readable } from 'node:stream';
import { DownloadError } from '../errors';
import type { ByteRange, OpenOptions, ReadAt, StoredObject } from './types';

const CHUNK = 64 * 1024;

/** A readable stream over positional reads of `range`; `release` runs once when it closes. */
function positionalStream(readAt: ReadAt, range: ByteRange, release: () => void): Readable {
  let position = range.start;
  return new Readable({
    read() {
      const length = Math.min(CHUNK, range.end - position + 1);
      if (length <= 0) {
        this.push(null);
        return;
      }
      const buffer = Buffer.allocUnsafe(length);
      readAt(buffer, 0, length, position, (error, bytes) => {
        if (error !== null) return this.destroy(error);
        if (bytes === 0) return this.destroy(new Error(`the object ended at byte ${position} of ${range.end + 1}`));
        position += bytes;
        this.push(bytes === length ? buffer : buffer.subarray(0, bytes));
      });
    },
    destroy(error, callback) {
      release();
      callback(error);
    },
  });
}

/**
 * `read(key, range?)` — the stream-returning method of 0.1 — for adapters
 * whose real door is `open`: code that reads a stored file itself keeps
 * working. The stream closes the opened object when it ends or is destroyed.
 */
export async function readViaOpen(
  open: (key: string, options: OpenOptions) => Promise<StoredObject | null>, key: string, range?: ByteRange,
): Promise<NodeJS.ReadableStream> {
  const object = await open(key, { body: true, range });
  if (object === null) throw new DownloadError('FILE_NOT_FOUND', undefined, { cause: new Error(`no object ${JSON.stringify(key)}`) });
  const wanted = range ?? { start: 0, end: object.size - 1 };
  if (object.readAt !== undefined) return positionalStream(object.readAt, wanted, () => object.close());
  const stream = (await object.stream!(wanted)) as Readable;
  stream.once('close', () => object.close());
  return stream;
}
