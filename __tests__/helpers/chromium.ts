import { chromium, type BrowserContext } from 'playwright-core';

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
