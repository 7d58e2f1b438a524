import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { openExamplePage } from '../helpers/chromium';

// The example page as a new user sees it (npm run example, then open /), in Chromium.
// Every wait is for something the page shows, never a sleep; the only short-lived
// link is issued by a click, once the page is up.
const SECRET = 'playground-test-secret-of-32-bytes!!';
const artifacts = resolve(__dirname, '../../.tmp/artifacts');
const session = openExamplePage('basic', { DOWNLOAD_SECRET: SECRET }, { viewport: { width: 1280, height: 1400 } });
let page: Page;
beforeAll(() => {
  ({ page } = session);
});

/** The lines listed under one "try it" box. */
const results = (box: string) => page.$$eval(`#${box} .results li`, (items) => items.map((item) => item.textContent ?? ''));
async function resultsReach(box: string, count: number): Promise<string[]> {
  await page.waitForFunction(([id, n]) => document.querySelectorAll(`#${id} .results li`).length >= n, [box, count] as const, { timeout: 30_000 });
  return results(box);
}
const claimsUnder = async (selector: string) => JSON.parse(await page.$eval(`${selector} .claims`, (element) => element.textContent ?? '')) as Record<string, unknown>;

test("each of the page's links shows its decoded claims and a countdown that runs", async () => {
  expect(await claimsUnder('#image + figcaption')).toMatchObject({ fid: 'report', scp: '/files/report/content', aud: 'express-signed-downloads' });
  expect(await claimsUnder('#download + figcaption')).toMatchObject({ fid: 'notes', dis: 'attachment' });
  const first = await page.$eval('#image + figcaption .countdown', (element) => element.textContent);
  expect(first).toMatch(/^expires in (9m|10m) \d+s$/);
  await page.waitForFunction((before) => document.querySelector('#image + figcaption .countdown')?.textContent !== before, first, { timeout: 15_000 });
});

test("the event log shows the library's events live: the image served, with its bytes", async () => {
  await page.waitForFunction(() => (document.getElementById('image') as HTMLImageElement).complete);
  // The stream may open after the image loaded: load it again to see its event.
  await page.evaluate(() => fetch((document.getElementById('image') as HTMLImageElement).src, { cache: 'no-store' }));
  await page.waitForFunction(() => [...document.querySelectorAll('#events li')].some((item) => /^served 200 GET \/files\/report\/content \d+ bytes$/.test(item.textContent ?? '')));
});

test('a single-use link: 200, then 410 LINK_USED_UP, and the log shows the refusal', async () => {
  await page.click('#issue-single');
  await page.waitForSelector('#single-use .link .claims');
  expect(await claimsUnder('#single-use .link')).toMatchObject({ fid: 'notes', mu: 1 });
  await page.click('#try-single');
  await resultsReach('single-use', 1);
  await page.click('#try-single');
  expect(await resultsReach('single-use', 2)).toEqual(['200 89 bytes', '410 LINK_USED_UP']);
  await page.waitForFunction(() => [...document.querySelectorAll('#events li')].some((item) => item.textContent === 'denied 410 GET /files/notes/content LINK_USED_UP'));
});

test('revoking: the link works, then after Revoke it is 401 TOKEN_INVALID', async () => {
  await page.click('#issue-revocable');
  await page.waitForSelector('#revocation .link .claims');
  await page.click('#try-revocable');
  expect(await resultsReach('revocation', 1)).toEqual(['200 89 bytes']);
  await page.click('#revoke');
  expect((await resultsReach('revocation', 2))[1]).toMatch(/^revoked links issued before \d{4}-\d\d-\d\dT/);
  await page.click('#try-revocable');
  expect((await resultsReach('revocation', 3))[2]).toBe('401 TOKEN_INVALID');
});

test('a 5-second link is tried every second until the route refuses it, after its countdown ended', async () => {
  await page.click('#issue-short');
  await page.waitForSelector('#short-lived .link .claims');
  const claims = await claimsUnder('#short-lived .link');
  expect((claims.exp as number) - (claims.iat as number)).toBe(5);
  // Ends with the refusal; how many 200s come first depends only on the machine's speed.
  await page.waitForFunction(() => document.querySelector('#short-lived .results li:last-child')?.textContent === '401 TOKEN_INVALID', undefined, { timeout: 60_000 });
  const listed = await results('short-lived');
  expect(listed.slice(0, -1).every((line) => line === '200 89 bytes')).toBe(true);
  expect(await page.$eval('#short-lived .countdown', (element) => element.classList.contains('expired'))).toBe(true);
}, 90_000);

test('an HTML file asked for inline is an attachment with a sandbox policy', async () => {
  await page.click('#fetch-html');
  expect(await resultsReach('html', 2)).toEqual(['200 Content-Disposition: attachment; filename=upload.html', 'Content-Security-Policy: sandbox']);
  expect(await claimsUnder('#html .link')).toMatchObject({ fid: 'upload', dis: 'inline' });
});

test('a screenshot of the page after the tries is kept as a test artifact', async () => {
  mkdirSync(artifacts, { recursive: true });
  const path = join(artifacts, 'playground.png');
  await page.screenshot({ path, fullPage: true });
  expect(statSync(path).size).toBeGreaterThan(10_000);
});
