// nginx for the offload scenario: the README's configuration in front of our
// app, or nginx alone serving the same directory (the reference).
import { spawn } from 'node:child_process';
import { accessSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinned, scratchDir, SERVER_CPU, track } from './processes.mjs';

const TEMPLATE = join(dirname(fileURLToPath(import.meta.url)), '../../examples/offload/nginx.conf');

/** Debian's nginx binary, or null when it is not installed. */
export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => {
  try {
    accessSync(path);
    return true;
  } catch {
    return false;
  }
}) ?? null;

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** nginx alone: the same files from a public location, sendfile on, as a site would serve them. */
function referenceConfig(dir, port, root) {
  return `daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log; worker_processes 1;
events { worker_connections 1024; }
http { access_log off; sendfile on; tcp_nopush on;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server { listen 127.0.0.1:${port}; location /static/ { alias ${root}/; } } }
`;
}

/**
 * Starts nginx pinned to the server's CPU: with `appOrigin`, the README's
 * offload configuration in front of that app; without, nginx alone.
 * Returns { origin, pid, stop() } like a Node server side.
 */
export async function startNginx({ root, appOrigin }, { pin }) {
  if (NGINX === null) throw new Error('nginx is not installed (Debian package nginx-light)');
  // nginx's workers run unprivileged: the scratch tree must be readable by them.
  chmodSync(scratchDir(), 0o755);
  chmodSync(root, 0o755);
  const dir = mkdtempSync(join(scratchDir(), 'nginx-'));
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  const port = await freePort();
  const config = appOrigin === undefined
    ? referenceConfig(dir, port, root)
    : readFileSync(TEMPLATE, 'utf8').replace(/\{\{(DIR|PORT|APP_PORT|ROOT)\}\}/g, (_m, name) => String({ DIR: dir, PORT: port, APP_PORT: new URL(appOrigin).port, ROOT: root }[name]));
  writeFileSync(join(dir, 'nginx.conf'), config);
  const [command, args] = pinned(pin, SERVER_CPU, NGINX, ['-c', join(dir, 'nginx.conf'), '-p', dir]);
  const child = track(spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] }));
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(`${origin}/`);
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not start (see ${dir}/error.log)`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGQUIT');
  });
  return { origin, pid: child.pid, stop };
}
