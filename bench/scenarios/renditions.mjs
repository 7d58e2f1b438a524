// Image renditions (issue 18): a variant already rendered against a plain
// file of the same size on the same signed route, and a cold render against
// a hand-written Express route running the same sharp pipeline.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { sha256 } from '../lib/fixtures.mjs';

/** The rendering both sides of a scenario make: 512 pixels wide, WebP, quality 80. */
export const RENDERING = { width: 512, quality: 80 };

/** A JPEG of `columns` × `rows` 1000-pixel tiles of noise, each a different brightness: detail to encode, as a photo has. */
export async function detailedJpeg(columns, rows) {
  const count = columns * rows;
  const tiles = await Promise.all(Array.from({ length: count }, (_, i) =>
    sharp({ create: { width: 1000, height: 1000, channels: 3, noise: { type: 'gaussian', mean: 30 + (180 * i) / count, sigma: 30 } } }).png().toBuffer()));
  return sharp({ create: { width: columns * 1000, height: rows * 1000, channels: 3, background: '#808080' } })
    .composite(tiles.map((input, i) => ({ input, left: (i % columns) * 1000, top: Math.floor(i / columns) * 1000 })))
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** A 12-megapixel JPEG (4000 × 3000), and the variant our route serves made by hand. */
async function photoFixtures(root) {
  const photo = await detailedJpeg(4, 3);
  await writeFile(join(root, 'photo.jpg'), photo);
  const variant = await sharp(photo).autoOrient().resize({ width: RENDERING.width, height: 2500, fit: 'inside', withoutEnlargement: true }).webp({ quality: RENDERING.quality }).toBuffer();
  await writeFile(join(root, 'variant.bin'), variant);
  return { variantSha256: sha256(variant), variantBytes: variant.length };
}

let made;
const fixturesOf = (root) => (made ??= photoFixtures(root));

/**
 * A variant already in the store vs the same number of bytes as a plain file,
 * both on serveSignedDownload, with records that state a version (as a
 * database row does: no lookup of the source on a hit) or not (`-lookup`:
 * each hit looks the source up for its version, as the plain file is opened).
 */
function renditionHitScenario(name, versioned) {
  return {
    name,
    title: `rendered 512-px WebP on its signed link vs a plain file of the same size (records ${versioned ? 'with' : 'without'} a version)`,
    metric: 'rps',
    connections: 50,
    async prepare({ fixtures }) {
      const { variantSha256 } = await fixturesOf(fixtures.root);
      const config = { ...fixtures.serverConfig, versioned };
      const headers = { Accept: 'image/webp' };
      return {
        ours: { label: 'rendition (stored)', server: { app: 'signedRendition', config }, plan: { requests: [{ path: await fixtures.signedPath('photo', 0, 'w512'), headers }] }, checkBytes: false },
        reference: { label: 'plain file', server: { app: 'signedDownload', config }, plan: { requests: [{ path: await fixtures.signedPath('variant'), headers, sha256: variantSha256 }] } },
      };
    },
  };
}

export const renditionHit = renditionHitScenario('rendition-hit', true);
export const renditionHitLookup = renditionHitScenario('rendition-hit-lookup', false);

/** Every request renders (no variant is kept): our route against a hand-written one, one request at a time. */
export const renditionCold = {
  name: 'rendition-cold',
  title: 'cold render, 12 MP JPEG → 512-px WebP: signed rendition vs express + sharp by hand',
  metric: 'rps',
  connections: 1,
  timeoutSeconds: 30,
  async prepare({ fixtures }) {
    await fixturesOf(fixtures.root);
    const config = { ...fixtures.serverConfig, keepVariants: false };
    const headers = { Accept: 'image/webp' };
    return {
      ours: { label: 'signed rendition', server: { app: 'signedRendition', config }, plan: { requests: [{ path: await fixtures.signedPath('photo', 0, 'w512'), headers }] }, checkBytes: false },
      reference: { label: 'express + sharp', server: { app: 'sharpRoute', config }, plan: { requests: [{ path: '/render/photo.jpg', headers }] }, checkBytes: false },
    };
  },
};
