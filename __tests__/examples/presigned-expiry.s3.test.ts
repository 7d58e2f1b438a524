import request from 'supertest';
import { startExample, type RunningExample } from '../helpers/example';

const bucket = `esd-ex-presigned-${process.pid}`;
const key = { 'X-API-Key': 'sk-team-1' };
let example: RunningExample;
beforeAll(async () => {
  example = await startExample('presigned-expiry', { S3_BUCKET: bucket });
}, 30_000);
afterAll(() => example.stop());

const get = (path: string) => request(example.base).get(path).set(key);

test('returns the store\'s presigned URL with the documented body; the URL serves the file', async () => {
  const res = await get('/api/v1/files/1/download?expires_in=600');
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ download_url: expect.any(String), expires_in: 600, file_id: 1, original_filename: 'Quarterly figures.csv' });
  const url = new URL(res.body.download_url);
  expect(url.origin).toBe('http://127.0.0.1:7480');
  expect(url.pathname).toBe(`/${bucket}/uploads/2026/11/7f3a-quarterly.csv`);
  expect(url.searchParams.get('X-Amz-Expires')).toBe('600');
  const object = await fetch(url);
  expect(object.status).toBe(200);
  expect(await object.text()).toBe('quarter,revenue\nQ3,1200\n');
  expect(object.headers.get('content-disposition')).toBe('attachment; filename="Quarterly figures.csv"');
});

test('expires_in defaults to 3600 and may be 86400', async () => {
  expect((await get('/api/v1/files/2/download')).body.expires_in).toBe(3600);
  const max = await get('/api/v1/files/2/download?expires_in=86400');
  expect(max.body.expires_in).toBe(86400);
  expect(new URL(max.body.download_url).searchParams.get('X-Amz-Expires')).toBe('86400');
});

test.each([
  ['86401', { loc: ['query', 'expires_in'], msg: 'Input should be less than or equal to 86400', type: 'less_than_equal' }],
  ['0', { loc: ['query', 'expires_in'], msg: 'Input should be greater than or equal to 1', type: 'greater_than_equal' }],
  ['soon', { loc: ['query', 'expires_in'], msg: 'Input should be a valid integer, unable to parse string as an integer', type: 'int_parsing' }],
])('expires_in=%s → 422 with FastAPI-style detail', async (value, detail) => {
  const res = await get(`/api/v1/files/1/download?expires_in=${value}`);
  expect(res.status).toBe(422);
  expect(res.body).toEqual({ detail: [detail] });
});

test('a non-integer file_id is 422 on the path; another team\'s file is 404; no key is 401', async () => {
  const bad = await get('/api/v1/files/abc/download');
  expect(bad.status).toBe(422);
  expect(bad.body.detail[0].loc).toEqual(['path', 'file_id']);
  expect((await get('/api/v1/files/3/download')).status).toBe(404);
  const anonymous = await request(example.base).get('/api/v1/files/1/download');
  expect(anonymous.status).toBe(401);
  expect(anonymous.body).toEqual({ detail: 'Authentication is required.' });
});
