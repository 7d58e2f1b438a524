// Starts the archives example and prints commands that work as printed.
import { createApp } from './app.mjs';
import { exampleSecret, startExample } from '../shared/start.mjs';

const { app } = createApp({ secret: await exampleSecret() });

startExample(app, (base) => `express-signed-downloads archives example

1. One signed link to a ZIP of four files (Ada owns them), with its exact size:
   curl -s -H "X-API-Key: ada-key" -H "Content-Type: application/json" -d '{"file_ids":["report","revenue","notes","video"],"filename":"Launch"}' ${base}/orgs/acme/files/archive-url

2. Download it, cut it short, and resume it: the same bytes as one whole download.
   ZIP_URL=$(curl -s -H "X-API-Key: ada-key" -H "Content-Type: application/json" -d '{"file_ids":["report","revenue","notes","video"]}' ${base}/orgs/acme/files/archive-url | node -pe 'JSON.parse(require("fs").readFileSync(0)).download_url')
   curl -s -o whole.zip "$ZIP_URL"
   curl -s -r 0-1000000 -o resumed.zip "$ZIP_URL" && curl -s -C - -o resumed.zip "$ZIP_URL" && cmp whole.zip resumed.zip && echo "resumed: identical"
   unzip -l whole.zip

3. One file Ada may not have makes the whole archive 403, naming it:
   curl -s -H "X-API-Key: ada-key" -H "Content-Type: application/json" -d '{"file_ids":["report","secret"]}' ${base}/orgs/acme/files/archive-url

4. A project's documents as the selection, deflated (smaller for text; no length, no ranges):
   DOCS_URL=$(curl -s -X POST -H "X-API-Key: ada-key" ${base}/orgs/acme/projects/launch/export | node -pe 'JSON.parse(require("fs").readFileSync(0)).download_url')
   curl -s -D - -o docs.zip "$DOCS_URL" | grep -i -E "transfer-encoding|accept-ranges" && unzip -t docs.zip`);
