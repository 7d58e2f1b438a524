import { parse as parseDisposition } from 'content-disposition';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import { binary } from '../helpers/app';
import { pathOf, startExample, type RunningExample } from '../helpers/example';
import { expectExpiresIssuedBetween, timed } from '../helpers/lifetime';

const contract = readFileSync(resolve(__dirname, '../../examples/document-download/files/docs/contract-123.pdf'));
const alice = { Authorization: 'Bearer token-alice' };
let example: RunningExample;
beforeAll(async () => {
  example = await startExample('document-download');
});
afterAll(() => example.stop());

test('POST /download returns the envelope with a one-hour URL that downloads the document', async () => {
  const { value: res, before, after } = await timed(() => request(example.base).post('/download').set(alice).send({ document_id: 'doc-123' }));
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ statusCode: 200, data: { download_url: expect.any(String) }, message: 'OKAY' });
  const url = new URL(res.body.data.download_url);
  expectExpiresIssuedBetween(Number(url.searchParams.get('expires')), 3600, before, after);
  const file = await request(example.base).get(pathOf(res.body.data.download_url)).buffer(true).parse(binary);
  expect(file.status).toBe(200);
  expect(Buffer.compare(file.body as Buffer, contract)).toBe(0);
  expect(parseDisposition(file.headers['content-disposition']!)).toEqual({ type: 'attachment', parameters: { filename: 'Contract 123.pdf' } });
});

test('GET /download/:document_id streams an attachment with Cache-Control: no-cache', async () => {
  const res = await request(example.base).get('/download/doc-123').set(alice).buffer(true).parse(binary);
  expect(res.status).toBe(200);
  expect(Buffer.compare(res.body as Buffer, contract)).toBe(0);
  expect(res.headers['content-type']).toBe('application/pdf');
  expect(res.headers['content-disposition']).toBe('attachment; filename="Contract 123.pdf"');
  expect(res.headers['cache-control']).toBe('no-cache');
});

test.each([
  ['no document_id', () => request(example.base).post('/download').set(alice).send({}), 435, 'Document ID is required'],
  ['malformed JSON', () => request(example.base).post('/download').set(alice).set('Content-Type', 'application/json').send('{"document_id":'), 435, 'Document ID is required'],
  ['no token', () => request(example.base).post('/download').send({ document_id: 'doc-123' }), 403, 'UNAUTHORIZED'],
  ["another user's document", () => request(example.base).get('/download/doc-bob').set(alice), 403, 'UNAUTHORIZED'],
  ['an unknown document', () => request(example.base).get('/download/doc-999').set(alice), 437, 'Document not found'],
  ['a link-only document', () => request(example.base).post('/download').set(alice).send({ document_id: 'doc-link' }), 435, 'Document has no file path'],
  ['a failing database', () => request(example.base).get('/download/doc-broken').set(alice), 500, 'Failed to download document'],
  ['a tampered URL', () => request(example.base).get('/documents/doc-123/content?token=x&expires=1'), 403, 'UNAUTHORIZED'],
])('%s → %i %s', async (_name, send, statusCode, message) => {
  const res = await send();
  expect(res.status).toBe(statusCode);
  expect(res.body).toEqual({ statusCode, data: {}, message });
});
