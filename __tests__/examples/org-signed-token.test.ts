import { parse as parseDisposition } from 'content-disposition';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import { createSigner } from '../../lib';
import { binary } from '../helpers/app';
import { pathOf, startExample, type RunningExample } from '../helpers/example';
import { expectExpiresIssuedBetween, expectPrivateMaxAge, timed } from '../helpers/lifetime';

const SECRET = 'org-example-secret-that-is-32-bytes!!';
const report = readFileSync(resolve(__dirname, '../../examples/org-signed-token/files/org_acme/report.png'));
let example: RunningExample;
beforeAll(async () => {
  example = await startExample('org-signed-token', { DOWNLOAD_SECRET: SECRET });
});
afterAll(() => example.stop());

const ISSUE = '/v1/organizations/org_acme/files/file_report/download';

async function issue(key = 'key_acme_live', path = ISSUE) {
  return request(example.base).get(path).set('X-API-Key', key);
}

function expectEnvelope(body: unknown, code: string, status: number) {
  expect(body).toEqual({
    success: false,
    error: {
      code, status,
      message: expect.any(String),
      system_message: expect.stringContaining(code),
      type: expect.any(String),
      details: expect.any(Object),
      trace_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    },
  });
}

test('issuing returns exactly { download_url, token, expires } for one hour', async () => {
  const { value: res, before, after } = await timed(() => issue());
  expect(res.status).toBe(200);
  expect(Object.keys(res.body)).toEqual(['download_url', 'token', 'expires']);
  expectExpiresIssuedBetween(res.body.expires, 3600, before, after);
  const url = new URL(res.body.download_url);
  expect(url.pathname).toBe('/v1/organizations/org_acme/files/file_report/content');
  expect(url.searchParams.get('token')).toBe(res.body.token);
  expect(url.searchParams.get('expires')).toBe(String(res.body.expires));
});

test('the download_url serves the raw bytes with no auth header', async () => {
  const issued = await issue();
  const { value: res, before, after } = await timed(() => request(example.base).get(pathOf(issued.body.download_url)).buffer(true).parse(binary));
  expect(res.status).toBe(200);
  expect(Buffer.compare(res.body as Buffer, report)).toBe(0);
  expect(res.headers['content-type']).toBe('image/png');
  expect(parseDisposition(res.headers['content-disposition']!)).toEqual({ type: 'inline', parameters: { filename: 'report.png' } });
  expectPrivateMaxAge(res.headers['cache-control'], issued.body.expires, before, after);
});

test('an expired or tampered link is 401 TOKEN_INVALID in the envelope', async () => {
  const old = createSigner({ secret: SECRET, now: () => Date.now() - 7_200_000 });
  const { token, expires } = await old.sign({ fileId: 'file_report', tenant: 'org_acme', expiresIn: 3600 });
  const expired = await request(example.base).get(`/v1/organizations/org_acme/files/file_report/content?token=${token}&expires=${expires}`)
    .set('X-Request-Id', '0b5e7c1a-1111-4222-8333-444455556666');
  expect(expired.status).toBe(401);
  expectEnvelope(expired.body, 'TOKEN_INVALID', 401);
  expect(expired.body.error.message).toBe('The download link has expired or is invalid.');
  expect(expired.body.error.type).toBe('authentication_error');
  expect(expired.body.error.trace_id).toBe('0b5e7c1a-1111-4222-8333-444455556666');
  const issued = await issue();
  const tampered = await request(example.base).get(pathOf(issued.body.download_url).replace(/expires=\d+/, 'expires=1'));
  expectEnvelope(tampered.body, 'TOKEN_INVALID', 401);
});

test("a token from one organisation never opens another's files", async () => {
  const issued = await issue();
  const crossed = pathOf(issued.body.download_url).replace('/org_acme/', '/org_globex/');
  const res = await request(example.base).get(crossed);
  expect(res.status).toBe(401);
  expectEnvelope(res.body, 'TOKEN_INVALID', 401);
  const otherKey = await issue('key_globex_live');
  expect(otherKey.status).toBe(403);
  expectEnvelope(otherKey.body, 'ACCESS_DENIED', 403);
  const otherOrgFile = await issue('key_acme_live', '/v1/organizations/org_acme/files/file_plan/download');
  expect(otherOrgFile.status).toBe(404);
  expectEnvelope(otherOrgFile.body, 'FILE_NOT_FOUND', 404);
  expect(otherOrgFile.body.error.type).toBe('not_found_error');
});

test('a missing API key is 401 UNAUTHENTICATED', async () => {
  const res = await request(example.base).get(ISSUE);
  expect(res.status).toBe(401);
  expectEnvelope(res.body, 'UNAUTHENTICATED', 401);
});
