import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import type { BrowserContext, Page } from 'playwright-core';
import { createDownloads, createSigner, memoryStorage } from '../../lib';
import { imageRenditions } from '../../lib/images';
import { launchChromium } from '../helpers/chromium';
import { phonePhoto } from '../helpers/images';

// Issue 18 in a real browser: an <img srcset> of three renditions on signed
// links. Chromium picks one by its viewport and pixel density, sends its own
// Accept (AVIF first) and no credential but the link. The links live an hour:
// nothing races the browser's start.
const served: { path: string; type: string }[] = [];
let server: Server;
let base: string;
let browser: BrowserContext;
let page: Page;
const profile = mkdtempSync(join(tmpdir(), 'esd-chromium-renditions-'));

beforeAll(async () => {
  const downloads = createDownloads({
    storage: memoryStorage().put('photo.jpg', await phonePhoto()),
    signer: createSigner({ secret: 'renditions-browser-secret-of-32-bytes' }),
    findFile: (id) => (id === 'photo' ? { id, key: 'photo.jpg' } : null),
    authorize: () => true,
    renditions: imageRenditions({ presets: { small: { width: 160 }, medium: { width: 320 }, large: { width: 640 } } }),
  });
  const app = express();
  app.use((req, res, next) => {
    res.on('finish', () => { if (req.path.endsWith('/content')) served.push({ path: req.originalUrl, type: String(res.getHeader('content-type')) }); });
    next();
  });
  app.use('/files', downloads.serveSignedDownload());
  app.get('/', async (_req, res) => {
    const origin = base;
    const link = async (rendition: string) => (await downloads.signUrl({ fileId: 'photo', baseUrl: `${origin}/files`, rendition })).url;
    const [small, medium, large] = await Promise.all(['small', 'medium', 'large'].map(link));
    const escape = (url: string) => url.replace(/&/g, '&amp;');
    res.type('html').send(`<!doctype html><body style="margin:0">
      <img id="srcset" sizes="320px" srcset="${escape(small!)} 160w, ${escape(medium!)} 320w, ${escape(large!)} 640w" src="${escape(small!)}">
      <img id="small" src="${escape(small!)}"><img id="large" src="${escape(large!)}"></body>`);
  });
  server = await new Promise<Server>((done) => { const s = app.listen(0, '127.0.0.1', () => done(s)); });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium(profile);
  page = browser.pages()[0] ?? (await browser.newPage());
  await page.setViewportSize({ width: 800, height: 600 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  rmSync(profile, { recursive: true, force: true });
});

const loaded = (id: string) => page.waitForFunction((element) => {
  const image = document.getElementById(element) as HTMLImageElement;
  return image.complete && image.naturalWidth > 0;
}, id, { timeout: 30_000 });

test('Chromium loads the srcset candidate for its density, and each rendition at its own width, as AVIF', async () => {
  await page.goto(`${base}/`);
  await Promise.all(['srcset', 'small', 'large'].map(loaded));
  const widths = await page.evaluate(() => ['srcset', 'small', 'large'].map((id) => {
    const image = document.getElementById(id) as HTMLImageElement;
    return [id, image.naturalWidth, image.naturalHeight, new URL(image.currentSrc).searchParams.has('token')];
  }));
  // 320 CSS pixels at a density of 1: the 320w candidate. The photo is shown upright (800 × 1200 after EXIF orientation).
  expect(widths).toEqual([['srcset', 320, 480, true], ['small', 160, 240, true], ['large', 640, 960, true]]);
  expect(served.length).toBeGreaterThanOrEqual(3);
  expect(new Set(served.map((answer) => answer.type))).toEqual(new Set(['image/avif']));
});
