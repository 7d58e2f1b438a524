import sharp from 'sharp';
import { isDownloadError } from '../../lib';
import type { SharpFactory } from '../../lib/images/load-sharp';
import { render } from '../../lib/images/render';

// timeoutSeconds without a race against the machine's speed: libvips ends a
// pipeline past its limit with "timeout: N% complete" (sharp's
// src/common.cc). Here sharp is the real one, except that the render's
// output step fails exactly as it does past the limit, and records the
// limit it was given.
function timingOut(): { factory: SharpFactory; limits: number[] } {
  const limits: number[] = [];
  const factory = ((input: Buffer, options: object) => {
    const image = sharp(input, options);
    const timeout = image.timeout.bind(image);
    image.timeout = (options) => {
      limits.push(options.seconds);
      return timeout(options);
    };
    image.toBuffer = (() => Promise.reject(new Error('timeout: 37% complete'))) as unknown as typeof image.toBuffer;
    return image;
  }) as unknown as SharpFactory;
  return { factory, limits };
}

const rendering = { width: 64, height: undefined, fit: 'inside' as const, quality: 80, format: 'webp' as const };
const limits = { maxSide: 2500, maxInputPixels: 50_000_000, timeoutSeconds: 7, animated: 'first-frame' as const };

test('a render past timeoutSeconds is 500 RENDER_FAILED (reason timeout), and the limit given to libvips is timeoutSeconds', async () => {
  const jpeg = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#336699' } }).jpeg().toBuffer();
  const { factory, limits: given } = timingOut();
  const failure: unknown = await render(factory, jpeg, rendering, 'webp', limits).then(() => undefined, (error: unknown) => error);
  expect(isDownloadError(failure)).toBe(true);
  expect(failure).toMatchObject({ code: 'RENDER_FAILED', status: 500, details: { reason: 'timeout' } });
  expect(given).toEqual([7]);
});

test('the same pipeline without the failure renders: the stub changes nothing else', async () => {
  const jpeg = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#336699' } }).jpeg().toBuffer();
  const bytes = await render(sharp as unknown as SharpFactory, jpeg, rendering, 'webp', limits);
  expect(await sharp(bytes).metadata().then((meta) => [meta.format, meta.width, meta.height])).toEqual(['webp', 64, 32]);
});
