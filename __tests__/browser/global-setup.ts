import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

// Debian's Chromium, never a browser download: playwright-core only drives it.
export default function globalSetup(): void {
  execFileSync(resolve(__dirname, '../../scripts/ensure-debian-packages.sh'), ['chromium:chromium'], { stdio: 'inherit', timeout: 600_000 });
}
