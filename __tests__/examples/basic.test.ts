import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import { binary } from '../helpers/app';
import { startExample, type RunningExample } from '../helpers/example';

// Runs the quick-start command's server as a user would and follows what it prints.
let example: RunningExample;
beforeAll(async () => {
  example = await startExample('basic');
});
afterAll(() => example.stop());

const printedSignedUrl = () => /^SIGNED_URL=(.+)$/m.exec(example.output())![1]!;
const sample = (name: string) => readFileSync(resolve(__dirname, '../../examples/basic/files', name));

test('the printed signed URL downloads the sample file byte for byte', async () => {
  const url = new URL(printedSignedUrl());
  const res = await request(example.base).get(url.pathname + url.search).buffer(true).parse(binary);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('image/png');
  expect(res.headers['content-disposition']).toBe('inline; filename="Q3 report.png"');
  expect(Buffer.compare(res.body as Buffer, sample('report.png'))).toBe(0);
});

test('the printed Range command gets 16 bytes', async () => {
  const url = new URL(printedSignedUrl());
  const res = await request(example.base).get(url.pathname + url.search).set('Range', 'bytes=0-15').buffer(true).parse(binary);
  expect(res.status).toBe(206);
  expect(Buffer.compare(res.body as Buffer, sample('report.png').subarray(0, 16))).toBe(0);
});

test('the printed issue command returns a URL that works; without the key it is 401', async () => {
  const issued = await request(example.base).get('/files/notes/download-url').set('X-API-Key', 'demo-key');
  const url = new URL(issued.body.download_url as string);
  expect((await request(example.base).get(url.pathname + url.search)).text).toContain('Quarterly notes');
  expect((await request(example.base).get('/files/notes/download-url')).status).toBe(401);
});

test('the uploaded HTML sample is never served inline', async () => {
  const res = await request(example.base).get('/files/upload/download').set('X-API-Key', 'demo-key');
  expect(res.headers['content-disposition']).toBe('attachment; filename=upload.html');
});
