import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import { binary } from '../helpers/app';
import { startExample, type RunningExample } from '../helpers/example';

const files = resolve(__dirname, '../../examples/storage-negotiation/files');
const logo = readFileSync(resolve(files, 'cust_12345/logo.png'));
const auth = { Authorization: 'Bearer sk_test_alpha' };
let example: RunningExample;
beforeAll(async () => {
  example = await startExample('storage-negotiation');
});
afterAll(() => example.stop());

const get = (id: string, customer = 'cust_12345') => request(example.base).get(`/v2/storage/file/${id}?customerId=${customer}`);

test('an image streams inline with the custom headers', async () => {
  const res = await get('file_logo').set(auth).buffer(true).parse(binary);
  expect(res.status).toBe(200);
  expect(Buffer.compare(res.body as Buffer, logo)).toBe(0);
  expect(res.headers['content-type']).toBe('image/png');
  expect(res.headers['content-length']).toBe(String(logo.length));
  expect(res.headers['content-disposition']).toBe('inline; filename=logo.png');
  expect(res.headers['x-file-id']).toBe('file_logo');
  expect(res.headers['x-customer-id']).toBe('cust_12345');
});

test('a PDF is an attachment', async () => {
  const res = await get('file_invoice').set(auth);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/pdf');
  expect(res.headers['content-disposition']).toBe('attachment; filename=invoice.pdf');
});

test('Accept: application/json returns { contentType, data, extensions }', async () => {
  const res = await get('file_logo').set(auth).set('Accept', 'application/json');
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ contentType: 'image/png', data: logo.toString('base64'), extensions: ['png'] });
  expect(res.headers['x-file-id']).toBe('file_logo');
});

test.each([
  ['an unknown file', () => get('file_99999').set(auth), 404, 'File not found: file_99999'],
  ['a file of another customer', () => get('file_notes').set(auth), 404, 'File not found: file_notes'],
  ['a customer the token may not read', () => get('file_logo').set({ Authorization: 'Bearer sk_test_beta' }), 403, 'Access denied to file: file_logo'],
  ['a locked file', () => get('file_locked').set(auth), 423, 'File is locked and cannot be downloaded'],
  ['no Authorization header', () => get('file_logo'), 401, 'Unauthorized'],
])('%s → %i', async (_name, send, status, error) => {
  const res = await send();
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ error });
});
