import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

// Debian's nginx for the offload tests, installed when missing (never a download of our own).
export default function globalSetup(): void {
  execFileSync(resolve(__dirname, '../../scripts/ensure-debian-packages.sh'), ['nginx:nginx-light'], { stdio: 'inherit', timeout: 600_000 });
}
