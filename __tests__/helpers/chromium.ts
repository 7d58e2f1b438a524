import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startExample, type RunningExample } from './example';

/**
 * Debian's Chromium (never a browser download), headless, with a profile
 * directory of the caller's (a fresh one per run: its HTTP cache starts empty).
 */
export function launchChromium(profile: string, options: { acceptDownloads?: boolean } = {}): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    ...options,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/** An example server and its page in Chromium, for one test file. */
export interface ExamplePage {
  example: RunningExample;
  browser: BrowserContext;
  page: Page;
}

/**
 * Starts an example, opens its page in a fresh Chromium profile before the
 * file's tests, and closes both after them. The fields are set once
 * `beforeAll` has run.
 */
export function openExamplePage(name: string, env: Record<string, string>, options: { acceptDownloads?: boolean; viewport?: { width: number; height: number } } = {}): ExamplePage {
  const session = {} as ExamplePage;
  const profile = mkdtempSync(join(tmpdir(), 'esd-chromium-'));
  beforeAll(async () => {
    session.example = await startExample(name, env);
    session.browser = await launchChromium(profile, options.acceptDownloads === undefined ? {} : { acceptDownloads: options.acceptDownloads });
    session.page = session.browser.pages()[0] ?? (await session.browser.newPage());
    if (options.viewport) await session.page.setViewportSize(options.viewport);
    await session.page.goto(`${session.example.base}/`);
  }, 60_000);
  afterAll(async () => {
    await session.browser?.close();
    await session.example?.stop();
    rmSync(profile, { recursive: true, force: true });
  });
  return session;
}
