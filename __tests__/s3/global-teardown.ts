import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export default function globalTeardown(): void {
  if (process.env.ESD_S3_KEEP === '1') return;
  execFileSync(resolve(__dirname, '../../scripts/s3-test-server.sh'), ['stop'], { stdio: 'inherit', timeout: 60_000 });
}
