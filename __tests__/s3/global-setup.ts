import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

// One Ceph RGW cluster per test run, shared by every S3 test file: its ports are fixed.
const script = resolve(__dirname, '../../scripts/s3-test-server.sh');

function isUp(): boolean {
  try {
    execFileSync(script, ['status'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export default function globalSetup(): void {
  if (isUp()) {
    // A developer's cluster from `scripts/s3-test-server.sh start`: use it and leave it running.
    process.env.ESD_S3_KEEP = '1';
    // It may predate the per-tenant users: `ensure` adds what is missing.
    execFileSync(script, ['ensure'], { stdio: 'inherit', timeout: 120_000 });
    return;
  }
  execFileSync(script, ['start'], { stdio: 'inherit', timeout: 120_000 });
}
