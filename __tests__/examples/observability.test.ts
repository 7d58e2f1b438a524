import request from 'supertest';
import { startExample, pathOf, type RunningExample } from '../helpers/example';

// The observability example as a user runs it: JSON logs on stdout, Prometheus metrics on /metrics.
let example: RunningExample;
beforeAll(async () => {
  example = await startExample('observability');
});
afterAll(() => example.stop());

/** The JSON log lines printed so far. */
function logs(): Record<string, unknown>[] {
  return example.output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function logged(predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const line = logs().find(predicate);
    if (line !== undefined) return line;
    if (Date.now() > deadline) throw new Error(`no such log line in:\n${example.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function metric(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every(([key, value]) => line.includes(`${key}="${value}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

test('an issued URL and its signed download are logged, tied to the user the link was given to', async () => {
  const issued = await request(example.base).get('/files/report/download-url').set('X-API-Key', 'alice-key');
  expect(issued.status).toBe(200);
  const served = await request(example.base).get(pathOf(issued.body.download_url));
  expect(served.status).toBe(200);
  expect(await logged((line) => line.msg === 'download URL issued')).toMatchObject({ level: 30, fileId: 'report', user: 'alice', subject: 'alice', mode: 'signed' });
  const line = await logged((entry) => entry.msg === 'file served' && entry.path === '/files/report/content');
  expect(line).toMatchObject({ level: 30, fileId: 'report', status: 200, bytes: 6290, aborted: false, givenTo: 'alice' });
});

test('denials are warnings with their code; a failing database is an error with its cause', async () => {
  expect((await request(example.base).get('/files/report/download').set('X-API-Key', 'bob-key')).status).toBe(403);
  expect((await request(example.base).get('/files/broken/download').set('X-API-Key', 'alice-key')).status).toBe(404);
  expect((await request(example.base).get('/files/crash/download').set('X-API-Key', 'alice-key')).status).toBe(500);
  expect(await logged((line) => line.msg === 'download denied' && line.code === 'ACCESS_DENIED')).toMatchObject({ level: 40, fileId: 'report', user: 'bob', status: 403 });
  expect(await logged((line) => line.msg === 'download denied' && line.code === 'FILE_NOT_FOUND')).toMatchObject({ level: 40, fileId: 'broken', status: 404 });
  const failed = await logged((line) => line.msg === 'download failed');
  expect(failed).toMatchObject({ level: 50, fileId: 'crash', status: 500, code: 'INTERNAL_ERROR', err: { message: 'files database is unreachable' } });
});

test('/metrics counts downloads, bytes, denials by code, and latency', async () => {
  for (let i = 0; i < 3; i++) expect((await request(example.base).get('/files/notes/download').set('X-API-Key', 'alice-key')).status).toBe(200);
  expect((await request(example.base).get('/files/notes/download')).status).toBe(401);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const res = await request(example.base).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  expect(metric(res.text, 'downloads_total', { signed: 'false', status: '200', outcome: 'complete' })).toBe(3);
  expect(metric(res.text, 'download_bytes_total', { signed: 'false' })).toBe(3 * 'quarterly numbers\n'.length);
  expect(metric(res.text, 'download_denials_total', { code: 'UNAUTHENTICATED', status: '401' })).toBe(1);
  expect(metric(res.text, 'download_duration_seconds_count', { signed: 'false' })).toBe(3);
  expect(res.text).toContain('process_cpu_user_seconds_total');
});
