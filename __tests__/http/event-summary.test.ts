// eventSummary: what a log line of an event holds, from real requests.
import express from 'express';
import request from 'supertest';
import { createDownloads, eventSummary, memoryStorage, memoryUseStore, type DownloadEvent } from '../../lib';
import { signer } from '../helpers/app';

const storage = memoryStorage();
storage.put('docs/report.pdf', Buffer.from('PDF-BYTES-0123456789'));
const events: DownloadEvent[] = [];
const downloads = createDownloads({
  storage, signer, useStore: memoryUseStore(),
  findFile: (id) => (id === 'report' ? { id, key: 'docs/report.pdf', filename: 'report.pdf', tenant: 'acme' } : null),
  authenticate: (req) => (req.get('x-api-key') === 'key' ? { user: 'ada', apiKey: 'key' } : null),
  tenant: (req) => req.params.org,
  authorize: () => true,
  subject: (principal) => principal.user,
  onEvent: (event) => { events.push(event); },
});
const app = express().use('/orgs/:org/files', downloads.issueDownloadUrl({ maxUsesParam: 5 }), downloads.serveSignedDownload());

test('issued, served and denied events in short: no request, token, principal or record, and what a log needs', async () => {
  const issued = await request(app).get('/orgs/acme/files/report/download-url?max_uses=2').set('X-API-Key', 'key');
  expect(issued.status).toBe(200);
  const url = new URL(issued.body.download_url);
  const token = url.searchParams.get('token')!;
  const served = await request(app).get(url.pathname + url.search).set('Range', 'bytes=0-2');
  expect(served.status).toBe(206);
  const denied = await request(app).get(`${url.pathname}?token=${token}x&expires=${url.searchParams.get('expires')}`);
  expect(denied.status).toBe(401);
  await new Promise((resolve) => setImmediate(resolve));

  const summaries = events.map((event) => eventSummary(event));
  const [issue, serve, deny] = summaries;
  expect(issue).toEqual({
    type: 'issued', method: 'GET', path: '/orgs/acme/files/report/download-url', fileId: 'report', tenant: 'acme', status: 200,
    mode: 'signed', expires: issued.body.expires, jti: expect.stringMatching(/^[\w-]{22}$/), subject: 'ada', maxUses: 2, bound: false,
  });
  expect(serve).toEqual({
    type: 'served', method: 'GET', path: url.pathname, fileId: 'report', tenant: 'acme', status: 206,
    signed: true, bytes: 3, range: { start: 0, end: 2 }, durationMs: expect.any(Number), aborted: false, offloaded: false, uses: 1,
    jti: issue!.jti, subject: 'ada', late: false,
  });
  expect(deny).toEqual({
    type: 'denied', method: 'GET', path: url.pathname, fileId: undefined, tenant: undefined, status: 401,
    code: 'TOKEN_INVALID', message: expect.any(String), cause: expect.any(String),
  });
  const lines = summaries.map((summary) => JSON.stringify(summary));
  for (const line of lines) {
    expect(line).not.toContain(token.slice(-20));
    expect(line).not.toContain('key');
    expect(line.length).toBeLessThan(500);
  }
  // The whole event is what the summary spares a log: the request, the token in its URL.
  expect(events[1]!.req.originalUrl).toContain(token);
});
