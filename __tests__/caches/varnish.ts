import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { debianBinary, freePort, whenServing, type RunningNginx } from '../offload/nginx';

export const VARNISHD = debianBinary('varnishd');

export type RunningVarnish = RunningNginx;

/**
 * varnishd in the foreground on a free port of 127.0.0.1, its working
 * directory a temp dir. `{ backendPort }` runs the builtin (default) VCL with
 * `-b`; `{ vcl }` loads that VCL text instead.
 */
export async function startVarnish(source: { backendPort: number } | { vcl: string }): Promise<RunningVarnish> {
  const dir = mkdtempSync(join(tmpdir(), 'esd-varnish-'));
  // varnishd compiles VCL as its own unprivileged user when started as root.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const args = ['-F', '-n', dir, '-a', `127.0.0.1:${port}`, '-s', 'malloc,32m', '-P', join(dir, 'varnishd.pid')];
  if ('vcl' in source) {
    writeFileSync(join(dir, 'test.vcl'), source.vcl);
    args.push('-f', join(dir, 'test.vcl'));
  } else {
    args.push('-b', `127.0.0.1:${source.backendPort}`);
  }
  const child = spawn(VARNISHD, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  // SIGTERM to the manager stops its cache child too.
  return whenServing({ child, dir, base: `http://127.0.0.1:${port}`, name: 'varnishd', output: () => output, stopSignal: 'SIGTERM', timeoutMs: 20_000 });
}
