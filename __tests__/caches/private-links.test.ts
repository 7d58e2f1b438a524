// Private (not stable) and counted links through caching proxies. With the
// cache on their location, nginx drops the Range (the whole file comes back)
// and Varnish fetches from byte 0; both turn HEAD into GET, which spends a
// `maxUses` link. The recommended configurations (examples/caches/) pass
// these links to the app untouched.
import { startNginxWith, type RunningNginx } from '../offload/nginx';
import { exampleConfig } from './config';
import { clip, startHost, type Host } from './host';
import { startVarnish } from './varnish';

/** What an operator may write first: proxy_cache on every location, nothing else changed. */
function cacheEverything(dir: string, port: number, appPort: number): string {
  return `daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  proxy_cache_path ${dir}/cache keys_zone=everything:1m;
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://127.0.0.1:${appPort};
      proxy_cache everything;
    }
  }
}
`;
}

interface Proxy {
  name: string;
  recommended: boolean;
  /** What a client asking for bytes 0-99 of a private link gets through the cache (when not recommended). */
  rangeThroughCache?: { status: number; length: number };
  start(appPort: number): Promise<RunningNginx>;
}

const proxies: Proxy[] = [
  { name: 'nginx with proxy_cache on every location', recommended: false, rangeThroughCache: { status: 200, length: clip.length }, start: (appPort) => startNginxWith((dir, port) => cacheEverything(dir, port, appPort)) },
  { name: 'nginx as in examples/caches/nginx.conf', recommended: true, start: (appPort) => startNginxWith((dir, port) => exampleConfig('nginx.conf', { DIR: dir, PORT: port, APP_PORT: appPort })) },
  { name: 'Varnish with its default VCL', recommended: false, rangeThroughCache: { status: 206, length: 100 }, start: (appPort) => startVarnish({ backendPort: appPort }) },
  { name: 'Varnish as in examples/caches/varnish.vcl', recommended: true, start: (appPort) => startVarnish({ vcl: exampleConfig('varnish.vcl', { APP_PORT: appPort }) }) },
];

let host: Host;
const running: RunningNginx[] = [];

beforeAll(async () => {
  host = await startHost();
  running.push(...(await Promise.all(proxies.map((proxy) => proxy.start(host.port)))));
}, 60_000);

afterAll(async () => {
  await Promise.all(running.map((proxy) => proxy.stop()));
  await host?.stop();
});

async function send(base: string, path: string, init: RequestInit = {}) {
  const res = await fetch(`${base}${path}`, init);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

describe.each(proxies.map((proxy, index) => ({ ...proxy, index })))('$name', ({ recommended, rangeThroughCache, index }) => {
  const base = () => running[index]!.base;

  if (recommended) {
    test('a private link\'s Range reaches the app and comes back as exactly those 100 bytes', async () => {
      const id = `clip-range-${index}`;
      const res = await send(base(), await host.privateLink(id), { headers: { Range: 'bytes=0-99' } });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes 0-99/${clip.length}`);
      expect(Buffer.compare(res.body, clip.subarray(0, 100))).toBe(0);
      expect(host.seenFor(id)).toEqual([{ method: 'GET', path: `/files/${id}/content`, range: 'bytes=0-99' }]);
    });

    test('HEAD on a single-use link reaches the app as HEAD and keeps the use for the GET', async () => {
      const id = `clip-head-${index}`;
      const link = await host.privateLink(id, 1);
      const head = await send(base(), link, { method: 'HEAD' });
      expect([head.status, head.headers.get('content-length')]).toEqual([200, String(clip.length)]);
      const get = await send(base(), link);
      expect(get.status).toBe(200);
      expect(Buffer.compare(get.body, clip)).toBe(0);
      const again = await send(base(), link);
      expect([again.status, JSON.parse(again.body.toString()).error.code]).toEqual([410, 'LINK_USED_UP']);
      expect(host.seenFor(id).map((entry) => entry.method)).toEqual(['HEAD', 'GET', 'GET']);
    });
  } else {
    test('a private link\'s Range never reaches the app: it is asked for the whole file', async () => {
      const id = `clip-range-${index}`;
      const res = await send(base(), await host.privateLink(id), { headers: { Range: 'bytes=0-99' } });
      expect(host.seenFor(id)).toEqual([{ method: 'GET', path: `/files/${id}/content`, range: undefined }]);
      // nginx sends the client the whole file; Varnish cuts the range from the whole file it fetched.
      expect([res.status, res.body.length]).toEqual([rangeThroughCache!.status, rangeThroughCache!.length]);
    });

    test('HEAD on a single-use link reaches the app as GET and spends the use: the GET after it is 410', async () => {
      const id = `clip-head-${index}`;
      const link = await host.privateLink(id, 1);
      const head = await send(base(), link, { method: 'HEAD' });
      expect(head.status).toBe(200);
      const get = await send(base(), link);
      expect([get.status, JSON.parse(get.body.toString()).error.code]).toEqual([410, 'LINK_USED_UP']);
      expect(host.seenFor(id).map((entry) => entry.method)).toEqual(['GET', 'GET']);
    });
  }
});
