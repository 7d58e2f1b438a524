import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import { binary } from '../helpers/app';
import { pathOf, startExample, type RunningExample } from '../helpers/example';
import { readZip } from '../helpers/zip-reader';

// The archives example as a user runs it: the printed commands' requests,
// over real HTTP to `node examples/archives/server.mjs`.
const files = resolve(__dirname, '../../examples/archives/files/acme');
let example: RunningExample;
beforeAll(async () => {
  example = await startExample('archives');
});
afterAll(() => example.stop());

const issue = (body: object, key = 'ada-key') =>
  request(example.base).post('/orgs/acme/files/archive-url').set('X-API-Key', key).send(body);
const get = (path: string, headers: Record<string, string> = {}) => request(example.base).get(path).set(headers).buffer(true).parse(binary);

test('step 1 and 2: one link to four files; the archive has them under their folders, and a cut download resumes to the same bytes', async () => {
  expect(example.output()).toContain('/orgs/acme/files/archive-url');
  const issued = await issue({ file_ids: ['report', 'revenue', 'notes', 'video'], filename: 'Launch' });
  expect([issued.status, issued.body.filename, issued.body.files.map((file: { name: string }) => file.name)])
    .toEqual([200, 'Launch.zip', ['Reports/Q3 report.txt', 'Reports/revenue.csv', 'Notes/kick-off.md', 'Site visit.mp4']]);
  const path = pathOf(issued.body.download_url as string);
  const whole = await get(path);
  expect([whole.status, whole.headers['content-length'], whole.headers['content-disposition']]).toEqual([200, String(issued.body.size), 'attachment; filename=Launch.zip']);
  const entries = readZip(whole.body as Buffer);
  expect(entries[0]!.bytes.equals(readFileSync(`${files}/report-q3.txt`))).toBe(true);
  expect(entries[3]!.bytes.equals(readFileSync(`${files}/site-visit.mp4`))).toBe(true);
  const first = await get(path, { Range: 'bytes=0-1000000' });
  const rest = await get(path, { Range: 'bytes=1000001-', 'If-Range': whole.headers.etag as string });
  expect([first.status, rest.status]).toEqual([206, 206]);
  expect(Buffer.concat([first.body as Buffer, rest.body as Buffer]).equals(whole.body as Buffer)).toBe(true);
});

test('step 3: a file the caller may not have refuses the whole archive, naming it; no key, no archive', async () => {
  const denied = await issue({ file_ids: ['report', 'secret'] });
  expect([denied.status, denied.body.error.code, denied.body.error.details]).toEqual([403, 'ACCESS_DENIED', { file_id: 'secret' }]);
  expect((await issue({ file_ids: ['report'] }, 'nobody')).status).toBe(401);
});

test('step 4: a project folder as the selection, deflated, served by the same archive route', async () => {
  const issued = await request(example.base).post('/orgs/acme/projects/launch/export').set('X-API-Key', 'ada-key');
  expect([issued.status, issued.body.filename, issued.body.size]).toEqual([200, 'launch export.zip', undefined]);
  const archive = await get(pathOf(issued.body.download_url as string));
  expect([archive.status, archive.headers['transfer-encoding'], archive.headers['accept-ranges']]).toEqual([200, 'chunked', 'none']);
  expect(readZip(archive.body as Buffer).map((entry) => [entry.name, entry.method])).toEqual([
    ['Reports/Q3 report.txt', 8], ['Reports/revenue.csv', 8], ['Notes/kick-off.md', 8],
  ]);
  const unknown = await request(example.base).post('/orgs/acme/projects/nope/export').set('X-API-Key', 'ada-key');
  expect([unknown.status, unknown.body.error.code, unknown.body.error.message]).toEqual([404, 'FILE_NOT_FOUND', 'No such project.']);
});
