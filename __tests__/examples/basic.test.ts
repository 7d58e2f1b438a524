import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// Runs the quick-start command's server as a user would and follows what it prints.
const root = resolve(__dirname, '../..');
let child: ChildProcess;
let output = '';

beforeAll(async () => {
  child = spawn(process.execPath, ['examples/basic/server.mjs'], { cwd: root, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`example did not start:\n${output}`)), 15_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Press Ctrl+C')) {
        clearTimeout(timer);
        done();
      }
    });
  });
});

afterAll(() => {
  child.kill('SIGTERM');
});

const base = () => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;
const printedSignedUrl = () => /^SIGNED_URL=(.+)$/m.exec(output)![1]!;

test('the printed signed URL downloads the sample file byte for byte', async () => {
  const res = await fetch(printedSignedUrl());
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('image/png');
  expect(res.headers.get('content-disposition')).toBe('inline; filename="Q3 report.png"');
  expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), readFileSync(resolve(root, 'examples/basic/files/report.png')))).toBe(0);
});

test('the printed Range command gets 16 bytes', async () => {
  const res = await fetch(printedSignedUrl(), { headers: { Range: 'bytes=0-15' } });
  expect(res.status).toBe(206);
  expect(Buffer.from(await res.arrayBuffer()).subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
});

test('the printed issue command returns a URL that works; without the key it is 401', async () => {
  const issued = await fetch(`${base()}/files/notes/download-url`, { headers: { 'X-API-Key': 'demo-key' } });
  const body = (await issued.json()) as { download_url: string };
  expect(await (await fetch(body.download_url)).text()).toContain('Quarterly notes');
  expect((await fetch(`${base()}/files/notes/download-url`)).status).toBe(401);
});

test('the uploaded HTML sample is never served inline', async () => {
  const res = await fetch(`${base()}/files/upload/download`, { headers: { 'X-API-Key': 'demo-key' } });
  expect(res.headers.get('content-disposition')).toBe('attachment; filename=upload.html');
});
