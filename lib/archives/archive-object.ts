import { Readable } from 'node:stream';
import type { ByteRange, StoredObject } from '../storage/types';
import { archiveRange, type ArchivePlan } from './archive-body';

/** What the archive is, as a stored object: its validator and time. */
export interface ArchiveIdentity {
  /** A strong ETag naming exactly these bytes: the link's members, names, versions and layout. */
  etag: string;
  lastModified: Date | undefined;
}

/**
 * A stream the archive writes into at the reader's pace: a chunk is pushed,
 * and the next one waits until the reader asks for more. Destroying it (the
 * client left) makes the next write reject, which stops the archive.
 */
class ArchiveStream extends Readable {
  #resume: (() => void) | undefined;

  constructor() {
    super({ highWaterMark: 256 * 1024 });
  }

  override _read(): void {
    const resume = this.#resume;
    this.#resume = undefined;
    resume?.();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this._read();
    callback(error);
  }

  /** Resolves once the reader wants more; rejects once the stream is gone. */
  async write(chunk: Buffer): Promise<void> {
    if (this.destroyed) throw new Error('the archive stream was closed');
    if (!this.push(chunk)) await new Promise<void>((resolve) => { this.#resume = resolve; });
    if (this.destroyed) throw new Error('the archive stream was closed');
  }
}

/**
 * The archive as one stored object the serving engine answers like a file:
 * its exact size, ETag, `Range` and `If-Range`, `HEAD`, conditional
 * requests. Bytes come from `stream(range)`: the CRC-32s the range needs are
 * settled before it returns (a changed member is an error answer, not a cut
 * body); a member failing after that destroys the stream, and the engine
 * resets the connection instead of ending a short body.
 */
export function archiveObject(plan: ArchivePlan, identity: ArchiveIdentity): StoredObject {
  return {
    size: plan.layout.size,
    etag: identity.etag,
    lastModified: identity.lastModified,
    contentType: 'application/zip',
    async stream(range: ByteRange) {
      const write = await archiveRange(plan, range);
      const stream = new ArchiveStream();
      write((chunk) => stream.write(chunk)).then(
        () => stream.push(null),
        (error: unknown) => stream.destroy(error instanceof Error ? error : new Error(String(error))),
      );
      return stream;
    },
    close: () => undefined,
  };
}
