// A Jest reporter that turns a hung test file into a failure that names it.
// Jest's own timeouts are timers on the thread that runs the test: code blocked
// synchronously there (a child process that never exits, a runaway loop) never
// fires them, and the run then waits until CI's limit with nothing in the log
// to say which file hung. On a 2-core machine Jest runs the files in its own
// process (in band), so the watch runs on a worker thread of its own, whose
// timers keep running while the main thread is blocked. It writes with
// writeSync (a worker's process.stderr goes through the blocked main thread)
// and kills the Jest workers and itself, so nothing holds the output open.
const { readdirSync, readFileSync, writeSync } = require('node:fs');
const { relative } = require('node:path');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');

const DEFAULT_MINUTES = 10;

/** Process ids whose parent is `parent` (Linux /proc; elsewhere none). */
function childrenOf(parent) {
  let entries;
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const children = [];
  for (const entry of entries) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      // The command name is in parentheses and may hold spaces: fields follow the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === parent) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

function killTree(pid) {
  for (const child of childrenOf(pid)) killTree(child);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function watch({ limitMs }) {
  const running = new Map();
  parentPort.on('message', ({ type, name, at }) => {
    if (type === 'start') running.set(name, at);
    else running.delete(name);
  });
  setInterval(() => {
    const now = Date.now();
    const hung = [...running].filter(([, since]) => now - since > limitMs);
    if (hung.length === 0) return;
    const lines = hung.map(([name, since]) => `watchdog: ${name} has run for ${Math.round((now - since) / 1000)} s, over the ${limitMs / 60_000} min limit ` +
      '(JEST_WATCHDOG_MINUTES): something in it blocks synchronously, where Jest timeouts cannot fire. Stopping the run.');
    for (const [name] of running) if (!hung.some(([other]) => other === name)) lines.push(`watchdog: also still running: ${name}`);
    writeSync(2, `\n${lines.join('\n')}\n`);
    for (const child of childrenOf(process.pid)) killTree(child);
    process.kill(process.pid, 'SIGKILL');
  }, 5_000);
}

class WatchdogReporter {
  constructor(globalConfig, options = {}) {
    this.rootDir = globalConfig.rootDir;
    const limitMs = Number(process.env.JEST_WATCHDOG_MINUTES ?? options.minutes ?? DEFAULT_MINUTES) * 60_000;
    this.watcher = new Worker(__filename, { workerData: { limitMs } });
    this.watcher.unref();
  }

  name(test) {
    return `${test.context.config.displayName?.name ?? ''} ${relative(this.rootDir, test.path)}`;
  }

  onTestStart(test) {
    this.watcher.postMessage({ type: 'start', name: this.name(test), at: Date.now() });
  }

  onTestResult(test) {
    this.watcher.postMessage({ type: 'end', name: this.name(test) });
  }

  onRunComplete() {
    return this.watcher.terminate();
  }

  getLastError() {
    return undefined;
  }
}

if (isMainThread) module.exports = WatchdogReporter;
else watch(workerData);
