// A server under test, in its own process so the harness and the load
// generator never share its event loop or its CPU.
// Usage: node bench/servers/main.mjs <app> '<config JSON>'; prints
// "READY <port> <pid> <setup ms>" once listening (the pid is for RSS
// sampling; setup is the time the app took to build).
import http from 'node:http';
import * as ours from './ours.mjs';
import * as reference from './reference.mjs';

const apps = { ...ours, ...reference };
const [name, configJson = '{}'] = process.argv.slice(2);
const create = apps[name];
if (typeof create !== 'function') {
  console.error(`unknown server app ${JSON.stringify(name)}; known: ${Object.keys(apps).join(', ')}`);
  process.exit(2);
}

// An Express app is a request listener too, so every app runs on the same plain http.Server.
const started = performance.now();
const server = http.createServer(await create(JSON.parse(configJson)));
const setupMs = performance.now() - started;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`READY ${server.address().port} ${process.pid} ${setupMs.toFixed(1)}\n`);
});
// The harness kills the process between runs: no graceful drain to wait for.
process.on('SIGTERM', () => process.exit(0));
