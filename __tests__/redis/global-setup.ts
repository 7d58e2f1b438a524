import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

// Debian's redis-server for the shared use-count tests, installed when missing.
export default function globalSetup(): void {
  execFileSync(resolve(__dirname, '../../scripts/ensure-debian-packages.sh'), ['redis-server:redis-server'], { stdio: 'inherit', timeout: 600_000 });
}
