import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { createSigner } from '../../lib';
import { openExamplePage } from '../helpers/chromium';
import type { RunningExample } from '../helpers/example';

// The point of signed URLs: a real browser loads them with no Authorization header.
const SECRET = 'browser-test-secret-that-is-32-bytes!!';
const files = resolve(__dirname, '../../examples/basic/files');
// A fresh profile directory (--user-data-dir) per run.
const session = openExamplePage('basic', { DOWNLOAD_SECRET: SECRET }, { acceptDownloads: true });
let example: RunningExample;
let page: Page;
beforeAll(() => {
  ({ example, page } = session);
});

test('the image renders from its signed URL', async () => {
  await page.waitForFunction(() => {
    const image = document.getElementById('image') as HTMLImageElement;
    return image.complete && image.naturalWidth > 0;
  });
  expect(await page.$eval('#image', (image) => (image as HTMLImageElement).naturalWidth)).toBe(64);
});

test('the video plays and seeks to the middle with Range requests', async () => {
  await page.waitForFunction(() => (document.getElementById('video') as HTMLVideoElement).readyState >= 2, undefined, { timeout: 15_000 });
  const seeked = await page.$eval('#video', (element) => {
    const video = element as HTMLVideoElement;
    return new Promise<number>((done) => {
      video.addEventListener('seeked', () => done(video.currentTime), { once: true });
      video.currentTime = video.duration / 2;
    });
  });
  expect(seeked).toBeCloseTo(4, 0);
  // Chromium always asks for media with Range (here `bytes=0-`, answered 206); a clip this small
  // is then buffered whole, so the seek itself is served from that buffer.
  await expect(example.waitFor(/^served clip 206 range 0-\d+ \d+ bytes/m)).resolves.toBeTruthy();
});

test('the download link saves the file with its name and exact bytes', async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  expect(download.suggestedFilename()).toBe('notes.txt');
  expect(readFileSync((await download.path())!)).toEqual(readFileSync(join(files, 'notes.txt')));
});

test('an expired link is a failed load', async () => {
  const hourAgo = createSigner({ secret: SECRET, now: () => Date.now() - 3_600_000 });
  const { token, expires } = await hourAgo.sign({ fileId: 'report', expiresIn: 600 });
  const result = await page.evaluate((src) => new Promise<string>((done) => {
    const image = new Image();
    image.onload = () => done(`loaded ${image.naturalWidth}`);
    image.onerror = () => done('error');
    image.src = src;
  }), `${example.base}/files/report/content?token=${token}&expires=${expires}`);
  expect(result).toBe('error');
  await expect(example.waitFor(/^denied - 401 TOKEN_INVALID$/m)).resolves.toBeTruthy();
});
