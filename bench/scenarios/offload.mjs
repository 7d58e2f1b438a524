// 9. nginx offload: our signed route answering X-Accel-Redirect behind nginx
// (the README's configuration) vs nginx serving the same 64 MiB file alone.
// Both run on the server's CPU; ours adds the app's checks to every download.
import { startServer } from '../lib/processes.mjs';
import { NGINX, startNginx } from '../lib/nginx.mjs';

export const offload = {
  name: 'offload',
  title: '64 MiB: serveSignedDownload offloaded to nginx vs nginx alone',
  metric: 'MBps',
  connections: 4,
  timeoutSeconds: 60,
  async prepare({ fixtures }) {
    if (NGINX === null) throw new Error('nginx is not installed: apt-get install nginx-light (.ci/run does)');
    const sha256 = fixtures.sha256Of('large');
    const config = fixtures.serverConfig;
    return {
      ours: {
        label: 'offload → nginx',
        async start(ctx) {
          const app = await startServer({ app: 'signedDownloadOffload', config }, ctx.env);
          const nginx = await startNginx({ root: config.root, appOrigin: app.origin }, ctx.env);
          return { origin: nginx.origin, pid: app.pid, stop: async () => { await nginx.stop(); await app.stop(); } };
        },
        plan: { requests: [{ path: await fixtures.signedPath('large'), sha256 }] },
      },
      reference: {
        label: 'nginx alone',
        start: (ctx) => startNginx({ root: config.root }, ctx.env),
        plan: { requests: [{ path: '/static/large.bin', sha256 }] },
      },
    };
  },
};
