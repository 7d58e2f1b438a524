import type { ByteRange, OpenOptions, RangeHint, StoredObject } from '../storage/types';
import { ArchiveReader, type ArchivePlan } from './archive-body';

/** What the archive is, as a stored object: its validator and time. */
export interface ArchiveIdentity {
  /** A strong ETag naming exactly these bytes: the link's members, names, versions and layout. */
  etag: string;
  lastModified: Date | undefined;
}

/** The bytes a request's range hint names in an archive of `size` bytes; `undefined` when none (the engine answers 416). */
function hinted(hint: RangeHint | undefined, size: number): ByteRange | undefined {
  if (hint === undefined) return { start: 0, end: size - 1 };
  const range = 'suffix' in hint ? { start: Math.max(0, size - hint.suffix), end: size - 1 } : { start: hint.start, end: Math.min(hint.end ?? size - 1, size - 1) };
  return range.start <= range.end ? range : undefined;
}

/**
 * Opens the archive as one stored object the serving engine answers like a
 * file: its exact size, ETag, `Range` and `If-Range`, `HEAD`, conditional
 * requests, and its bytes through positional reads, sent with the engine's
 * own buffers. The CRC-32s the request's range needs are settled here,
 * before any header goes out, so a changed member is an error answer, not
 * a cut body; a member failing later makes the engine reset the connection
 * instead of ending a short body.
 */
export async function openArchive(plan: ArchivePlan, identity: ArchiveIdentity, options: OpenOptions, signal?: AbortSignal): Promise<StoredObject> {
  const reader = new ArchiveReader(plan);
  const range = options.body ? hinted(options.range, reader.size) : undefined;
  if (range !== undefined) {
    try {
      await reader.prepare(range, signal);
    } catch (error) {
      reader.close();
      throw error;
    }
  }
  return {
    size: reader.size,
    etag: identity.etag,
    lastModified: identity.lastModified,
    contentType: 'application/zip',
    readAt: (buffer, offset, length, position, done) => {
      reader.read(buffer, offset, length, position).then((bytes) => done(null, bytes), (error: unknown) => done(error instanceof Error ? error : new Error(String(error)), 0));
    },
    close: () => reader.close(),
  };
}
