import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

/** A running example server, started as a user would with `node examples/<name>/server.mjs`. */
export interface RunningExample {
  base: string;
  /** Everything the server printed so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output, waiting for it to be printed (the log trails the response). */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
  stop(): Promise<void>;
}

const root = resolve(__dirname, '../..');

/** Starts an example on a free port and waits for its banner (`script`: the entry point, for an example that is built first). */
export async function startExample(name: string, env: Record<string, string> = {}, script = `examples/${name}/server.mjs`): Promise<RunningExample> {
  const child: ChildProcess = spawn(process.execPath, [script], {
    cwd: root,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`example ${name} did not start:\n${output}`)), 20_000);
    child.once('exit', (code) => fail(new Error(`example ${name} exited with ${code}:\n${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Press Ctrl+C')) {
        clearTimeout(timer);
        done();
      }
    });
  });
  return {
    base: /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!,
    output: () => output,
    waitFor: async (pattern, ms = 5000) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const match = pattern.exec(output);
        if (match !== null) return match;
        if (Date.now() > deadline) throw new Error(`example ${name} never printed ${pattern}:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/** Path and query of an absolute URL, for supertest against the example's base. */
export function pathOf(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}
