// The files and signed URLs every scenario shares: created once per run in the
// run's scratch directory, with deterministic content so the expected hashes are
// the same on every machine and every run.
import { createHash } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSigner } from 'express-signed-downloads';
import { scratchDir } from './processes.mjs';

export const SECRET = 'bench-secret-bench-secret-bench-secret!';
export const API_KEY = 'bench-key';
export const KiB = 1024;
export const MiB = 1024 * KiB;
/** The files, by file id; servers map id → `${id}.bin` under the fixture root. */
export const FILES = { small: 1 * KiB, medium: 5 * MiB, large: 64 * MiB };
/** Long enough for the slowest full run; each run signs its own URLs anyway. */
const LIFETIME = 6 * 3600;

/** xorshift32 bytes seeded per MiB block: cheap to make, and not compressible or constant. */
function deterministicBytes(size) {
  const buffer = Buffer.alloc(size);
  const words = new Uint32Array(buffer.buffer, buffer.byteOffset, Math.floor(size / 4));
  for (let block = 0; block * MiB / 4 < words.length; block++) {
    let x = (0x9e3779b9 ^ (block * 0x85ebca6b)) >>> 0 || 1;
    const end = Math.min(words.length, (block + 1) * MiB / 4);
    for (let i = block * MiB / 4; i < end; i++) {
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
      words[i] = x;
    }
  }
  return buffer;
}

export const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/** Creates the fixture directory; `cleanup()` removes it. */
export async function createFixtures() {
  const root = await mkdtemp(join(scratchDir(), 'files-'));
  const hashes = {};
  for (const [id, size] of Object.entries(FILES)) {
    const data = deterministicBytes(size);
    await writeFile(join(root, `${id}.bin`), data);
    hashes[id] = sha256(data);
  }
  const signer = createSigner({ secret: SECRET });

  return {
    root,
    /** What every server process is started with (plus its own options). */
    serverConfig: { root, secret: SECRET, apiKey: API_KEY },
    sha256Of: (id) => hashes[id],
    /** sha256 of bytes start..end (inclusive) of a file, read from disk. */
    async sliceSha256(id, start, end) {
      const handle = await open(join(root, `${id}.bin`));
      try {
        const buffer = Buffer.alloc(end - start + 1);
        await handle.read(buffer, 0, buffer.length, start);
        return sha256(buffer);
      } finally {
        await handle.close();
      }
    },
    /**
     * A URL of our signed route (`/files/:id/content`), issued in advance as an
     * app would for an e-mail: the scope is the route's path. `extraLife`
     * makes otherwise identical tokens distinct (HS256 is deterministic).
     */
    async signedPath(id, extraLife = 0, rendition = undefined) {
      const path = `/files/${id}/content`;
      const { token, expires } = await signer.sign({ fileId: id, scope: path, expiresIn: LIFETIME + extraLife, rendition });
      return `${path}?token=${token}&expires=${expires}`;
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
