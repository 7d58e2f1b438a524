import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** A Debian server binary, wherever PATH puts sbin (`/usr/sbin` is not on every PATH). */
export function debianBinary(name: string): string {
  return [`/usr/sbin/${name}`, `/usr/bin/${name}`].find((path) => {
    try {
      accessSync(path);
      return true;
    } catch {
      return false;
    }
  }) ?? name;
}

export const NGINX = debianBinary('nginx');

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** The configuration the README documents (examples/offload/nginx.conf), filled in. */
export function nginxConfig(dir: string, port: number, appPort: number, root: string): string {
  const template = readFileSync(resolve(__dirname, '../../examples/offload/nginx.conf'), 'utf8');
  return template.replace(/\{\{(DIR|PORT|APP_PORT|ROOT)\}\}/g, (_match, name: string) => String({ DIR: dir, PORT: port, APP_PORT: appPort, ROOT: root }[name]));
}

/** A running nginx in front of an app; `stop` kills it and removes its directory. */
export interface RunningNginx {
  base: string;
  stop(): Promise<void>;
}

export function startNginx(appPort: number, root: string): Promise<RunningNginx> {
  return startNginxWith((dir, port) => nginxConfig(dir, port, appPort, root));
}

/**
 * nginx with a configuration of the caller's, written for its temp directory
 * (which has the usual `body`, `proxy`, … temp subdirectories) and a free port.
 */
export async function startNginxWith(config: (dir: string, port: number) => string): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'esd-nginx-'));
  // Workers run as an unprivileged user when nginx starts as root: they must reach files it writes here (a proxy_cache).
  chmodSync(dir, 0o755);
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), config(dir, port));
  const child: ChildProcess = spawn(NGINX, ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => { errors += chunk.toString(); });
  return whenServing({ child, dir, base: `http://127.0.0.1:${port}`, name: 'nginx', output: () => errors, stopSignal: 'SIGQUIT', timeoutMs: 10_000 });
}

/**
 * Waits until a server process started on `base` answers HTTP, then hands
 * back its `base` and a `stop` that signals it, waits for its exit and
 * removes its directory. A process that exits or stays silent past
 * `timeoutMs` is killed and reported with its `output`.
 */
export async function whenServing(server: { child: ChildProcess; dir: string; base: string; name: string; output: () => string; stopSignal: NodeJS.Signals; timeoutMs: number }): Promise<RunningNginx> {
  const { child, dir, base } = server;
  const deadline = Date.now() + server.timeoutMs;
  for (;;) {
    try {
      await fetch(`${base}/`);
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`${server.name} did not start: ${server.output()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    base,
    stop: () => new Promise<void>((resolve) => {
      const done = () => {
        rmSync(dir, { recursive: true, force: true });
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', done);
      child.kill(server.stopSignal);
    }),
  };
}
