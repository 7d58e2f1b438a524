// Starts the single-use links example: Redis when REDIS_URL is set, else counts in memory.
import { createApp } from './app.mjs';
import { exampleSecret, startExample } from '../shared/start.mjs';

let redis;
if (process.env.REDIS_URL !== undefined) {
  const { createClient } = await import('redis');
  redis = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true });
  redis.on('error', (error) => console.error(`redis: ${error.message}`));
  await redis.connect();
}
const app = createApp({ secret: await exampleSecret(), redis });

startExample(app, (base) => `express-signed-downloads single-use links example
Use counts: ${redis === undefined ? 'in this process (set REDIS_URL=redis://127.0.0.1:6379 to share them through Redis)' : `Redis at ${process.env.REDIS_URL}`}

1. As alice, get a single-use link bound to her session:
   URL=$(curl -s -H "Cookie: sid=alice-session" ${base}/files/report/download-url | node -pe 'JSON.parse(require("fs").readFileSync(0)).download_url')

2. Download it once (200), then again (410 LINK_USED_UP):
   curl -s -H "Cookie: sid=alice-session" "$URL"; curl -s -H "Cookie: sid=alice-session" "$URL"

3. A forwarded link is refused without the session (401 TOKEN_INVALID):
   curl -s "$(curl -s -H "Cookie: sid=alice-session" ${base}/files/report/download-url | node -pe 'JSON.parse(require("fs").readFileSync(0)).download_url')"

4. A 3-use link, then revoke every link to the file (later uses: 401):
   curl -s -H "Cookie: sid=alice-session" "${base}/files/report/download-url?max_uses=3"
   curl -s -X POST -H "Cookie: sid=alice-session" ${base}/files/report/revoke-links`);
