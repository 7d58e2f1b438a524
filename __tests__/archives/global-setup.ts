import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

// The archive readers and downloaders from Debian, installed when missing: the archives are checked by tools nobody here wrote.
export default function globalSetup(): void {
  execFileSync(resolve(__dirname, '../../scripts/ensure-debian-packages.sh'), ['unzip:unzip', '7z:p7zip-full', 'bsdtar:libarchive-tools', 'python3:python3', 'aria2c:aria2'], {
    stdio: 'inherit', timeout: 600_000,
  });
}
