// The memory an app holds once built: node --expose-gc bench/servers/heap.mjs <app> '<config JSON>'
// prints { heapUsed, rss, setupMs } (bytes, after two full collections) as JSON.
import * as ours from './ours.mjs';

const [name, configJson = '{}'] = process.argv.slice(2);
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const started = performance.now();
const app = await ours[name](JSON.parse(configJson));
const setupMs = performance.now() - started;
globalThis.gc();
globalThis.gc();
const { heapUsed, rss } = process.memoryUsage();
process.stdout.write(`${JSON.stringify({ heapUsed, rss, setupMs })}\n`);
// The app stays reachable until the figures are taken.
void app;
