// A stable shared link cached by nginx proxy_cache, by Chromium behind that
// nginx, and by Varnish with its default VCL: served from the copies while
// the link lives, never after it expires (beyond the clock tolerance). The
// same steps against 0.4.0's header (`public, max-age=N`, at /thumbs/old)
// show the set-up catches the stale answers the security review reported.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import { startNginxWith, type RunningNginx } from '../offload/nginx';
import { exampleConfig } from './config';
import { CLOCK_TOLERANCE, stableLife, startHost, thumb, until, type Host, type StableLife } from './host';
import { startVarnish, type RunningVarnish } from './varnish';

jest.setTimeout(40_000);

let host: Host;
let nginx: RunningNginx;
let varnish: RunningVarnish;
let browser: BrowserContext;
let page: Page;
let cdp: CDPSession;
const profile = mkdtempSync(join(tmpdir(), 'esd-chromium-'));
/** URL → whether Chromium answered it from its HTTP cache (DevTools' `fromDiskCache`), per response, in order. */
const fromBrowserCache = new Map<string, boolean[]>();

// When the links expire (Unix seconds), and the first instant (ms) the app refuses them:
// the signer accepts `expires + clockTolerance` through its whole second.
let life: StableLife;
let expires: number;
let refusedFrom: number;
const links: Record<'nginx' | 'oldNginx' | 'chromium' | 'oldChromium' | 'varnish' | 'oldVarnish', string> = {} as never;

beforeAll(async () => {
  host = await startHost();
  nginx = await startNginxWith((dir, port) => exampleConfig('nginx.conf', { DIR: dir, PORT: port, APP_PORT: host.port }));
  varnish = await startVarnish({ backendPort: host.port });
  // The browser is up, on a page of the nginx origin, before any short link exists.
  browser = await launchChromium(profile);
  page = browser.pages()[0] ?? (await browser.newPage());
  cdp = await browser.newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.responseReceived', ({ response }) => {
    const list = fromBrowserCache.get(response.url) ?? [];
    list.push(response.fromDiskCache === true);
    fromBrowserCache.set(response.url, list);
  });
  await page.goto(`${nginx.base}/page`);

  life = stableLife(10);
  expires = life.expires;
  refusedFrom = (expires + CLOCK_TOLERANCE + 1) * 1000;
  links.nginx = await host.stableLink('/thumbs', 'nginx', life);
  links.oldNginx = await host.stableLink('/thumbs/old', 'old-nginx', life);
  links.chromium = await host.stableLink('/thumbs', 'chromium', life);
  links.oldChromium = await host.stableLink('/thumbs/old', 'old-chromium', life);
  links.varnish = await host.stableLink('/thumbs', 'varnish', life);
  links.oldVarnish = await host.stableLink('/thumbs/old', 'old-varnish', life);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([nginx?.stop(), varnish?.stop()]);
  await host?.stop();
  rmSync(profile, { recursive: true, force: true });
});

async function get(base: string, path: string) {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** `fetch()` in the page, as a script of the site would: the browser's HTTP cache applies. */
function pageFetch(path: string) {
  return page.evaluate(async (url) => {
    const res = await fetch(url);
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, length: bytes.length, cacheControl: res.headers.get('cache-control'), cacheStatus: res.headers.get('x-cache-status') };
  }, `${nginx.base}${path}`);
}

let primedAt = 0;

test('the links are stable: issuing again in the bucket, a second later, gives the same URL', async () => {
  await until((Math.floor(Date.now() / 1000) + 1) * 1000);
  expect(await host.stableLink('/thumbs', 'nginx', life)).toBe(links.nginx);
  expect(Date.now()).toBeLessThan((expires - 6) * 1000);
});

test('while the link lives nginx answers repeats from its copy (X-Cache-Status: HIT, the app asked once)', async () => {
  primedAt = Date.now();
  for (const link of [links.nginx, links.oldNginx, links.chromium, links.oldChromium]) {
    const first = await get(nginx.base, link);
    expect([first.status, first.headers.get('x-cache-status')]).toEqual([200, 'MISS']);
    const again = await get(nginx.base, link);
    expect([again.status, again.headers.get('x-cache-status')]).toEqual([200, 'HIT']);
    expect(Buffer.compare(again.body, thumb)).toBe(0);
  }
  for (const id of ['nginx', 'old-nginx', 'chromium', 'old-chromium']) expect(host.seenFor(id)).toHaveLength(1);
  // nginx passes the app's Cache-Control on as it is, and adds no Age.
  const hit = await get(nginx.base, links.nginx);
  expect(hit.headers.get('cache-control')).toMatch(/^public, max-age=0, s-maxage=\d+, stale-while-revalidate=0, stale-if-error=0$/);
  expect(hit.headers.get('age')).toBeNull();
  expect((await get(nginx.base, links.oldNginx)).headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
});

test('while the link lives Varnish (default VCL) answers repeats from its copy', async () => {
  for (const [link, id] of [[links.varnish, 'varnish'], [links.oldVarnish, 'old-varnish']] as const) {
    const first = await get(varnish.base, link);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-varnish')).toMatch(/^\d+$/);
    const again = await get(varnish.base, link);
    expect(again.status).toBe(200);
    // A hit names two transactions: this one and the one that fetched the copy.
    expect(again.headers.get('x-varnish')).toMatch(/^\d+ \d+$/);
    expect(Buffer.compare(again.body, thumb)).toBe(0);
    expect(host.seenFor(id)).toHaveLength(1);
  }
});

test('Chromium fetches the links from nginx\'s copy a few seconds after nginx got it', async () => {
  // The gap is what 0.4.0 got wrong: nginx passes on the max-age it received, and
  // the browser counts it again from when *it* got the copy.
  await until(primedAt + 4_500);
  expect(Date.now()).toBeLessThan((expires - 1) * 1000);
  for (const link of [links.chromium, links.oldChromium]) {
    const res = await pageFetch(link);
    expect([res.status, res.length, res.cacheStatus]).toEqual([200, thumb.length, 'HIT']);
  }
  expect(host.seenFor('chromium')).toHaveLength(1);
});

describe('after expiry + clock tolerance', () => {
  beforeAll(() => until(refusedFrom + 500), 30_000);

  test('Varnish, inside its default 10 s grace, does not answer from its copy: the app\'s 401 comes through', async () => {
    const res = await get(varnish.base, links.varnish);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body.toString()).error.code).toBe('TOKEN_INVALID');
    expect(host.seenFor('varnish')).toHaveLength(2);
  });

  test('nginx does not answer from its copy: the app\'s 401 comes through', async () => {
    const res = await get(nginx.base, links.nginx);
    expect([res.status, res.headers.get('x-cache-status')]).toEqual([401, 'EXPIRED']);
    expect(JSON.parse(res.body.toString()).error.code).toBe('TOKEN_INVALID');
    expect(host.seenFor('nginx')).toHaveLength(2);
  });

  test('Chromium does not answer from its cache: it asks, and gets the 401 without the bytes', async () => {
    const res = await pageFetch(links.chromium);
    expect(res.status).toBe(401);
    expect(res.length).toBeLessThan(thumb.length);
    expect(host.seenFor('chromium')).toHaveLength(2);
    expect(fromBrowserCache.get(`${nginx.base}${links.chromium}`)?.at(-1)).toBe(false);
  });

  test('0.4.0\'s header would have failed these: Chromium serves the expired link from its cache, Varnish from its grace', async () => {
    const inBrowser = await pageFetch(links.oldChromium);
    expect([inBrowser.status, inBrowser.length]).toEqual([200, thumb.length]);
    expect(fromBrowserCache.get(`${nginx.base}${links.oldChromium}`)?.at(-1)).toBe(true);
    expect(host.seenFor('old-chromium')).toHaveLength(1);

    const inVarnish = await get(varnish.base, links.oldVarnish);
    expect(inVarnish.status).toBe(200);
    expect(Buffer.compare(inVarnish.body, thumb)).toBe(0);
    const maxAge = Number(/max-age=(\d+)/.exec(inVarnish.headers.get('cache-control')!)![1]);
    expect(Number(inVarnish.headers.get('age'))).toBeGreaterThan(maxAge);

    // nginx alone keeps the old header's copy no longer than max-age, which it counts from when it got it.
    expect((await get(nginx.base, links.oldNginx)).status).toBe(401);
  });
});
