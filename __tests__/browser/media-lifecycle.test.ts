import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import express from 'express';
import type { BrowserContext, Page } from 'playwright-core';
import { createDownloads, createSigner, fsStorage, memoryUseStore, type DownloadEvent } from '../../lib';
import { launchChromium } from '../helpers/chromium';

// Issue 10 in a real browser: a <video> on a single-use link seeks without
// using the link up, and keeps seeking after the link expires within
// graceSeconds. movie.webm: 16 s of VP8 (1.1 MB, a keyframe a second, cues at
// the end), made with ffmpeg's testsrc2. The network is throttled to 150 kB/s
// through the DevTools protocol so that seeks need new ranges instead of
// being served from what Chromium already buffered.
const fixtures = resolve(__dirname, 'fixtures');
const events: DownloadEvent[] = [];
const requests: { path: string; range: string | undefined; ifRange: string | undefined }[] = [];
let server: Server;
let clockOffset = 0;
beforeEach(() => { clockOffset = 0; });
let base: string;
const profiles: string[] = [];
const browsers: BrowserContext[] = [];

beforeAll(async () => {
  const downloads = createDownloads({
    storage: fsStorage({ root: fixtures }),
    // The app's clock: a test moves it past a link's expiry once the video is loaded, so no
    // link's life is raced against a browser's start on a busy machine.
    signer: createSigner({ secret: 'media-lifecycle-secret-of-32-bytes!!', clockTolerance: 0, now: () => Date.now() + clockOffset }),
    findFile: (id) => (id === 'movie' ? { id, key: 'movie.webm', contentType: 'video/webm' } : null),
    authorize: () => true,
    useStore: memoryUseStore(),
    onEvent: (event) => { events.push(event); },
  });
  const app = express();
  app.use((req, _res, next) => {
    if (req.path.endsWith('/content')) requests.push({ path: req.originalUrl, range: req.get('range'), ifRange: req.get('if-range') });
    next();
  });
  app.get('/', (_req, res) => { res.type('html').send('<!doctype html><video id="video" preload="metadata" muted></video>'); });
  app.use('/once', downloads.serveSignedDownload({ graceSeconds: 60 }), downloads.issueDownloadUrl({ maxUses: 1 }));
  // The expiry tests move the app's clock, not the browser's: their answers may be kept one second,
  // so that once the clock has moved, every seek goes back to the app as it would after a real expiry.
  const briefly = { headers: () => ({ 'Cache-Control': 'private, max-age=1' }) };
  app.use('/late', downloads.serveSignedDownload({ graceSeconds: 60, ...briefly }), downloads.issueDownloadUrl());
  app.use('/plain', downloads.serveSignedDownload(briefly), downloads.issueDownloadUrl());
  server = await new Promise<Server>((done) => { const s = app.listen(0, '127.0.0.1', () => done(s)); });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 30_000);

afterAll(async () => {
  for (const browser of browsers) await browser.close();
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  for (const profile of profiles) rmSync(profile, { recursive: true, force: true });
});

/** A fresh Chromium (own profile, own HTTP cache) with the network throttled. */
async function freshPage(): Promise<Page> {
  const profile = mkdtempSync(join(tmpdir(), 'esd-chromium-media-'));
  profiles.push(profile);
  const browser = await launchChromium(profile);
  browsers.push(browser);
  const page = browser.pages()[0] ?? (await browser.newPage());
  const cdp = await browser.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: 150_000, uploadThroughput: -1 });
  await page.goto(`${base}/`);
  return page;
}

async function issue(mount: string, expiresIn: number): Promise<{ url: string; expires: number }> {
  const res = await fetch(`${base}${mount}/movie/download-url?expires_in=${expiresIn}`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { download_url: string; expires: number };
  return { url: body.download_url, expires: body.expires };
}

/** Loads the video's metadata; resolves 'loaded' or the media error. */
function load(page: Page, src: string): Promise<string> {
  return page.evaluate((url) => new Promise<string>((done) => {
    const video = document.getElementById('video') as HTMLVideoElement;
    video.addEventListener('loadedmetadata', () => done('loaded'), { once: true });
    video.addEventListener('error', () => done(`error ${video.error?.code}`), { once: true });
    video.src = url;
  }), src);
}

/**
 * Seeks and waits until the frame there can be shown; resolves the time
 * reached, or the error. The deadline only guards a hang (a throttled seek
 * takes about 2 s; CI once saw one pass 15 s on a loaded machine): past it
 * the answer says what the element was doing, so a failure explains itself.
 */
function seek(page: Page, time: number): Promise<string> {
  return page.evaluate((to) => new Promise<string>((done) => {
    const video = document.getElementById('video') as HTMLVideoElement;
    const state = () => {
      const buffered = Array.from({ length: video.buffered.length }, (_, i) => `${video.buffered.start(i).toFixed(1)}-${video.buffered.end(i).toFixed(1)}`).join(',');
      return `timeout (readyState ${video.readyState}, networkState ${video.networkState}, seeking ${video.seeking}, currentTime ${video.currentTime}, buffered ${buffered})`;
    };
    const timer = setTimeout(() => done(state()), 60_000);
    const finish = (result: string) => { clearTimeout(timer); done(result); };
    video.addEventListener('error', () => finish(`error ${video.error?.code}`), { once: true });
    video.addEventListener('seeked', () => {
      const ready = () => (video.readyState >= 2 ? finish(`at ${video.currentTime}`) : setTimeout(ready, 50));
      ready();
    }, { once: true });
    video.currentTime = to;
  }), time);
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
// One link is one URL: events and requests are told apart by it (both tests use /once).
const pathOf = (event: DownloadEvent) => event.req.originalUrl;
const servedOn = (path: string) => events.filter((event): event is Extract<DownloadEvent, { type: 'served' }> => event.type === 'served' && pathOf(event) === path);
const refusedOn = (path: string) => events.filter((event) => (event.type === 'denied' || event.type === 'failed') && pathOf(event) === path);

test('a single-use link plays and seeks as one use: every later range continues with If-Range; a second viewer gets 410', async () => {
  const { url } = await issue('/once', 600);
  const page = await freshPage();
  expect(await load(page, url)).toBe('loaded');
  await sleep(1000);
  expect(await seek(page, 12)).toBe('at 12');
  await sleep(500);
  expect(await seek(page, 4)).toBe('at 4');

  const path = new URL(url).pathname + new URL(url).search;
  const served = servedOn(path);
  expect(served.filter((event) => event.uses !== undefined).map((event) => event.uses)).toEqual([1]);
  const continued = served.filter((event) => event.uses === undefined && event.status === 206 && event.range!.start > 0);
  expect(continued.length).toBeGreaterThanOrEqual(2);
  expect(requests.filter((request) => request.path === path && request.ifRange !== undefined).length).toBeGreaterThanOrEqual(2);
  expect(refusedOn(path)).toEqual([]);

  const other = await freshPage();
  expect(await load(other, url)).toMatch(/^error/);
  expect(refusedOn(path).map((event) => event.type !== 'served' && 'error' in event && event.error.code)).toEqual(['LINK_USED_UP']);
}, 180_000);

/** A link whose video is loaded, then the app's clock moved to a second after the link expired. */
async function expiredWhilePlaying(mount: string): Promise<{ page: Page; path: string }> {
  const page = await freshPage();
  const { url, expires } = await issue(mount, 600);
  expect(await load(page, url)).toBe('loaded');
  clockOffset = expires * 1000 - Date.now() + 1000;
  // Until the browser's copies are stale (max-age=1), it may answer seeks itself.
  await sleep(1500);
  return { page, path: new URL(url).pathname + new URL(url).search };
}

test('a link that expires during playback keeps seeking within graceSeconds', async () => {
  const { page, path } = await expiredWhilePlaying('/late');
  expect(await seek(page, 12)).toBe('at 12');
  await sleep(500);
  expect(await seek(page, 4)).toBe('at 4');
  const late = servedOn(path).filter((event) => event.claims?.expired === true);
  expect(late.filter((event) => event.status === 206).length).toBeGreaterThanOrEqual(1);
  expect(refusedOn(path)).toEqual([]);
}, 180_000);

test('without graceSeconds the same seek after expiry fails: the link is refused', async () => {
  const { page, path } = await expiredWhilePlaying('/plain');
  // The seek cannot succeed, and Chromium may stall rather than fail it: wait for the app's refusal, not for the seek.
  void seek(page, 12).catch(() => undefined);
  const codes = () => refusedOn(path).map((event) => event.type !== 'served' && 'error' in event && event.error.code);
  while (!codes().includes('TOKEN_INVALID')) await sleep(20);
  const state = await page.evaluate(() => {
    const video = document.getElementById('video') as HTMLVideoElement;
    return video.readyState >= 2 && !video.seeking ? `at ${video.currentTime}` : 'not there';
  });
  expect(state).not.toBe('at 12');
}, 180_000);
