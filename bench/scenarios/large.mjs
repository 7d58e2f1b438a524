// The 64 MiB file: streaming throughput, and 1 MiB Range slices of it.
import { MiB } from '../lib/fixtures.mjs';

/** 3. Whole-file downloads on 4 connections: our signed route vs bare createReadStream().pipe(res). MB/s. */
export const largeStream = {
  name: 'large-stream',
  title: '64 MiB: serveSignedDownload vs node:http + createReadStream.pipe',
  metric: 'MBps',
  connections: 4,
  timeoutSeconds: 60, // wrk counts a request older than this as a timeout; 64 MiB on a busy core can take seconds
  async prepare({ fixtures }) {
    const sha256 = fixtures.sha256Of('large');
    const config = fixtures.serverConfig;
    return {
      ours: { label: 'serveSignedDownload', server: { app: 'signedDownload', config }, plan: { requests: [{ path: await fixtures.signedPath('large'), sha256 }] } },
      reference: { label: 'createReadStream.pipe', server: { app: 'nodeStream', config }, plan: { requests: [{ path: '/large.bin', sha256 }] } },
    };
  },
};

const SLICES = 64;
const SIZE = 64 * MiB;

/**
 * Start offsets spread over the file by a multiplicative hash, most of them
 * not page-aligned, so neither side benefits from a pattern. Every run and
 * both sides cycle through the same list.
 */
function sliceOffsets() {
  return Array.from({ length: SLICES }, (_, i) => (i * 2654435761 + 12345) % (SIZE - MiB));
}

/** 4. `Range: bytes=a-b` 1 MiB slices: our signed route vs express.static, both 206. req/s. */
export const range1MiB = {
  name: 'range-1mib',
  title: '1 MiB Range slices of 64 MiB: serveSignedDownload vs express.static',
  metric: 'rps',
  connections: 16,
  timeoutSeconds: 30,
  async prepare({ fixtures }) {
    const slices = await Promise.all(sliceOffsets().map(async (start) => {
      const end = start + MiB - 1;
      return { headers: { Range: `bytes=${start}-${end}` }, status: 206, sha256: await fixtures.sliceSha256('large', start, end) };
    }));
    const config = fixtures.serverConfig;
    const signed = await fixtures.signedPath('large');
    return {
      ours: { label: 'serveSignedDownload', server: { app: 'signedDownload', config }, plan: { requests: slices.map((s) => ({ ...s, path: signed })) } },
      reference: { label: 'express.static', server: { app: 'expressStatic', config }, plan: { requests: slices.map((s) => ({ ...s, path: '/files/large.bin' })) } },
    };
  },
};
