import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** A JPEG as a phone writes it: landscape pixels, EXIF orientation 6 (shown portrait), a camera make and a GPS position. */
export async function phonePhoto(width = 1200, height = 800): Promise<Buffer> {
  // Two halves of different colours, so orientation and crops can be told apart.
  const left = await sharp({ create: { width: width / 2, height, channels: 3, background: { r: 220, g: 20, b: 20 } } }).png().toBuffer();
  return sharp({ create: { width, height, channels: 3, background: { r: 20, g: 20, b: 220 } } })
    .composite([{ input: left, left: 0, top: 0 }])
    .withExif({
      IFD0: { Make: 'PhoneCo', Model: 'P1' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 3/1' },
    })
    .withMetadata({ orientation: 6 })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** A PNG with transparency. */
export function transparentPng(width = 300, height = 200): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 0, g: 128, b: 0, alpha: 0.5 } } }).png().toBuffer();
}

/** An animated GIF of `frames` frames. */
export async function animatedGif(frames = 3): Promise<Buffer> {
  const images = await Promise.all(Array.from({ length: frames }, (_, i) =>
    sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 80 * i, g: 40, b: 200 - 60 * i } } }).png().toBuffer()));
  return sharp(images, { join: { animated: true } }).gif().toBuffer();
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  let crc = 0xffffffff;
  for (const byte of Buffer.concat([head.subarray(4), data])) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE((crc ^ 0xffffffff) >>> 0, 0);
  return Buffer.concat([head, data, tail]);
}

/** Whether EXIF data holds a GPS directory (the GPSInfo pointer, tag 0x8825, in either byte order). */
export function hasGpsDirectory(exif: Buffer | undefined): boolean {
  return exif !== undefined && (exif.includes(Buffer.from([0x88, 0x25])) || exif.includes(Buffer.from([0x25, 0x88])));
}

/**
 * A decompression bomb's header: a PNG that claims `side` × `side` grey
 * pixels (3.6 billion for 60,000) in a few dozen bytes. Decoding it would
 * need gigabytes; only its header may ever be read.
 */
export function pngBomb(side = 60_000): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(side + 1))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An SVG that would fetch and script if a renderer or browser ran it. */
export const hostileSvg = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="100">' +
  '<image xlink:href="http://127.0.0.1:1/exfiltrate" width="100" height="100"/><script>alert(1)</script></svg>',
);

/** A PNG of noise: it compresses badly, so its renditions are large (past the engine's one-write size). */
export function noisyPng(width = 600, height = 400): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
}
