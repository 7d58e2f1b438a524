import request from 'supertest';
import { startExample, type RunningExample } from '../helpers/example';

const ACME = '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const GLOBEX = '9a2e7b1c-3d4e-4f50-8a6b-7c8d9e0f1a2b';
let example: RunningExample;
let unconfigured: RunningExample;
beforeAll(async () => {
  example = await startExample('attachment-redirect', { S3_BUCKET: `esd-ex-attachments-${process.pid}` });
  unconfigured = await startExample('attachment-redirect', { S3_BUCKET: '' });
}, 30_000);
afterAll(async () => {
  await example.stop();
  await unconfigured.stop();
});

const download = (id: string, key?: string, base = example.base) => {
  const req = request(base).get(`/api/v1/attachments/${id}/download`).redirects(0);
  return key === undefined ? req : req.set('Authorization', `Bearer ${key}`);
};

test('307 to a presigned URL valid 15 minutes that serves the attachment', async () => {
  const res = await download(ACME, 'ixk_live_acme');
  expect(res.status).toBe(307);
  expect(res.headers['cache-control']).toBe('no-store');
  const location = new URL(res.headers['location']!);
  expect(location.searchParams.get('X-Amz-Expires')).toBe('900');
  const object = await fetch(location);
  expect(object.status).toBe(200);
  expect(await object.text()).toBe('%PDF-1.4 acme invoice');
  expect(object.headers.get('content-type')).toBe('application/pdf');
  expect(object.headers.get('content-disposition')).toBe(`attachment; filename="Invoice M?rz.pdf"; filename*=UTF-8''Invoice%20M%C3%A4rz.pdf`);
});

test.each([
  ['no key', ACME, undefined, 401, 'Unauthorized'],
  ['a revoked key', ACME, 'ixk_revoked_acme', 401, 'Unauthorized'],
  ['an unknown key', ACME, 'ixk_nope', 401, 'Unauthorized'],
  ['a key without the download scope', ACME, 'ixk_live_acme_readonly', 403, 'Forbidden'],
  ["another tenant's attachment", GLOBEX, 'ixk_live_acme', 404, 'Not Found'],
  ['an id that is not a UUID', 'not-a-uuid', 'ixk_live_acme', 404, 'Not Found'],
])('%s → %i problem details', async (_name, id, key, status, title) => {
  const res = await download(id, key);
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json');
  const body = JSON.parse(res.text);
  expect(body).toMatchObject({ title, status, instance: `/api/v1/attachments/${id}/download` });
  expect(body.type).toMatch(/^https:\/\/docs\.example\.com\/problems\//);
  if (status === 404) expect(body.detail).toBe('Attachment not found');
});

test('without object storage the answer is 503 "Object storage not configured"', async () => {
  const res = await download(ACME, 'ixk_live_acme', unconfigured.base);
  expect(res.status).toBe(503);
  expect(JSON.parse(res.text)).toMatchObject({ title: 'Service Unavailable', status: 503, detail: 'Object storage not configured' });
});
