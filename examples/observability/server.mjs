// Starts the observability example: JSON logs on stdout, metrics on /metrics.
import { createApp } from './app.mjs';
import { exampleSecret, startExample } from '../shared/start.mjs';

const app = createApp({ secret: await exampleSecret() });

startExample(app, (base) => `express-signed-downloads observability example

Every download event is a JSON log line (pino) and a Prometheus metric (prom-client).

1. Issue a URL (logged as "download URL issued"):
   curl -s -H "X-API-Key: alice-key" ${base}/files/report/download-url

2. A refused download (logged as "download denied", counted by code):
   curl -s -H "X-API-Key: bob-key" ${base}/files/report/download

3. A direct download (logged as "file served", bytes and latency counted):
   curl -s -o /dev/null -H "X-API-Key: alice-key" ${base}/files/notes/download

4. The metrics:
   curl -s ${base}/metrics | grep download_`);
