import { DownloadError } from '../errors';
import { DECODED, sniff, type OutputFormat } from './formats';
import type { SharpFactory } from './load-sharp';
import type { Rendering } from './parameters';

/** The safety limits of one render. */
export interface RenderLimits {
  maxSide: number;
  /** Width × height of the source, checked from its header before a pixel is decoded. */
  maxInputPixels: number;
  timeoutSeconds: number;
  /** `'first-frame'` renders the first frame of an animated GIF or WebP; `'refuse'` answers 415. */
  animated: 'first-frame' | 'refuse';
}

/** sharp's failures by what they mean for the client. */
function renderFailure(error: unknown): DownloadError {
  const message = error instanceof Error ? error.message : String(error);
  if (/unsupported image format/i.test(message)) return new DownloadError('IMAGE_UNSUPPORTED', undefined, { cause: error, details: { reason: 'not_an_image' } });
  if (/pixel limit/i.test(message)) return new DownloadError('IMAGE_INVALID', 'This image has too many pixels to be rendered.', { cause: error, details: { reason: 'too_many_pixels' } });
  if (/timeout/i.test(message)) return new DownloadError('RENDER_FAILED', undefined, { cause: error, details: { reason: 'timeout' } });
  return new DownloadError('IMAGE_INVALID', undefined, { cause: error, details: { reason: 'undecodable' } });
}

/** sharp's resize: the rendering's box, never larger than `maxSide` on either side, never enlarging the source. */
function box(rendering: Rendering, maxSide: number) {
  const { width, height } = rendering;
  if (width !== undefined && height !== undefined) return { width, height, fit: rendering.fit, withoutEnlargement: true };
  // One side given, the other follows the aspect ratio, within maxSide.
  return { width: width ?? maxSide, height: height ?? maxSide, fit: 'inside' as const, withoutEnlargement: true };
}

/**
 * Renders `input` (the whole source) as `rendering` in `format`. The bytes
 * are identified by their content, not their name; EXIF orientation is
 * applied and every piece of metadata (EXIF with GPS, XMP, IPTC, ICC) is
 * dropped, the pixels converted to sRGB.
 */
export async function render(sharp: SharpFactory, input: Buffer, rendering: Rendering, format: OutputFormat, limits: RenderLimits): Promise<Buffer> {
  if (sniff(input) === undefined) {
    throw new DownloadError('IMAGE_UNSUPPORTED', undefined, { cause: new Error('the bytes are not JPEG, PNG, GIF, WebP, AVIF or TIFF'), details: { reason: 'format' } });
  }
  try {
    // failOn 'warning': a truncated or corrupt image is refused, not rendered half grey.
    const image = sharp(input, { limitInputPixels: limits.maxInputPixels, failOn: 'warning', pages: 1, sequentialRead: true });
    const header = await image.metadata();
    if (!DECODED.has(header.format) || (header.format === 'heif' && header.compression !== 'av1')) {
      throw new DownloadError('IMAGE_UNSUPPORTED', undefined, { cause: new Error(`the bytes are ${header.format}, which is not rendered`), details: { reason: 'format', format: header.format } });
    }
    if (header.width * header.height > limits.maxInputPixels) {
      throw new DownloadError('IMAGE_INVALID', 'This image has too many pixels to be rendered.', {
        cause: new Error(`${header.width} × ${header.height} pixels, more than ${limits.maxInputPixels}`), details: { reason: 'too_many_pixels' },
      });
    }
    if (limits.animated === 'refuse' && (header.pages ?? 1) > 1) {
      throw new DownloadError('IMAGE_UNSUPPORTED', 'Animated images are not rendered.', { cause: new Error(`${header.pages} frames`), details: { reason: 'animated' } });
    }
    const pipeline = image.autoOrient().resize(box(rendering, limits.maxSide)).timeout({ seconds: limits.timeoutSeconds });
    const { quality } = rendering;
    switch (format) {
      case 'jpeg': return await pipeline.jpeg({ quality, mozjpeg: false }).toBuffer();
      case 'webp': return await pipeline.webp({ quality }).toBuffer();
      // Effort 2 of 9: AVIF's default effort takes seconds a thumbnail; the files are a few percent larger.
      case 'avif': return await pipeline.avif({ quality, effort: 2 }).toBuffer();
      case 'png': return await pipeline.png().toBuffer();
      case 'gif': return await pipeline.gif().toBuffer();
      case 'tiff': return await pipeline.tiff({ quality }).toBuffer();
    }
  } catch (error) {
    if (error instanceof DownloadError) throw error;
    throw renderFailure(error);
  }
}
