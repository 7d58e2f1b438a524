import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

// Debian's nginx, Varnish and Chromium for the cache tests, installed when missing.
export default function globalSetup(): void {
  execFileSync(resolve(__dirname, '../../scripts/ensure-debian-packages.sh'), ['nginx:nginx-light', 'varnishd:varnish', 'chromium:chromium'], { stdio: 'inherit', timeout: 600_000 });
}
