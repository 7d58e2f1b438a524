import { createDeflateRaw, crc32, type DeflateRaw } from 'node:zlib';
import { readMember, type MemberSource } from './archive-body';
import type { CrcMemory } from './crc-memory';
import { centralRecord, closeLayout, dataDescriptor, endRecords, localHeader, placeEntry, type ZipEntry, type ZipMember } from './zip-layout';

/** A deflated archive to stream: its members and their sources, in order. */
export interface DeflatedPlan {
  members: readonly ZipMember[];
  sources: readonly MemberSource[];
  crcs: CrcMemory;
  /** Told when a member fails part-way (the response is then cut), so the host hears why. */
  failed?: ((error: unknown) => void) | undefined;
}

/** Resolves when `deflate` can take more, or is gone (the client left): true when it is gone. */
function drained(deflate: DeflateRaw): Promise<boolean> {
  return new Promise((resolve) => {
    const done = () => {
      deflate.off('drain', done).off('close', done);
      resolve(deflate.destroyed);
    };
    deflate.once('drain', done).once('close', done);
  });
}

/**
 * A member's bytes through deflate, as they are read: the store is read no
 * faster than the compressed bytes are taken, and a failed read fails the
 * member. `seen` gets every uncompressed piece, for its CRC-32.
 */
async function* deflateMember(source: MemberSource, entry: Pick<ZipEntry, 'member'>, seen: (piece: Buffer) => void): AsyncGenerator<Buffer> {
  const deflate = createDeflateRaw();
  const feeding = readMember(source, entry, 0, entry.member.size, async (piece) => {
    seen(piece);
    if (!deflate.write(piece) && (await drained(deflate))) throw new Error('the client went away');
  }).then(() => deflate.end(), (error: unknown) => deflate.destroy(error instanceof Error ? error : new Error(String(error))));
  try {
    for await (const chunk of deflate) yield chunk as Buffer;
  } finally {
    deflate.destroy();
    await feeding;
  }
}

/**
 * The bytes of a ZIP whose members are deflated, in order, made as they are
 * sent: its length is known only at its end, so it has no Content-Length and
 * no ranges. Every entry has a data descriptor (its CRC-32 and compressed
 * size follow its data); the central directory is written from what was
 * sent. CRC-32s computed on the way are remembered, as a stored archive's are.
 */
export async function* deflatedArchive(plan: DeflatedPlan): AsyncGenerator<Buffer> {
  const placed: Omit<ZipEntry, 'centralOffset' | 'centralLength'>[] = [];
  const crcs: number[] = [];
  let offset = 0;
  for (const [index, member] of plan.members.entries()) {
    const source = plan.sources[index]!;
    // The local header does not depend on the compressed size (a descriptor carries it).
    yield localHeader(placeEntry(member, index, offset, true, 0));
    let packed = 0;
    let crc = 0;
    try {
      for await (const chunk of deflateMember(source, { member }, (piece) => { crc = crc32(piece, crc); })) {
        packed += chunk.length;
        yield chunk;
      }
    } catch (error) {
      plan.failed?.(error);
      throw error;
    }
    const entry = placeEntry(member, index, offset, true, packed);
    if (source.crcKey !== undefined && member.size > 0) plan.crcs.set(source.crcKey, crc);
    yield dataDescriptor({ ...entry, centralOffset: 0, centralLength: 0 }, crc);
    placed.push(entry);
    crcs.push(crc);
    offset = entry.end;
  }
  const layout = closeLayout(placed);
  for (const entry of layout.entries) yield centralRecord(entry, crcs[entry.index]!);
  yield endRecords(layout);
}
