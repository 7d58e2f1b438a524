// A router factory mounted without being called: Express calls it with each request.
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import request from 'supertest';
import { createDownloads, memoryStorage, serveDownload } from '../../lib';
import { signer } from '../helpers/app';

const base = { storage: memoryStorage(), findFile: () => null, authorize: () => true };

function appWith(mounted: unknown) {
  const errors: string[] = [];
  const app = express();
  app.use('/files', mounted as RequestHandler);
  app.use(((error: Error, _req, res, _next) => {
    errors.push(error.message);
    res.status(500).end();
  }) as ErrorRequestHandler);
  return { app, errors };
}

test.each([
  ['downloads.serveSignedDownload', createDownloads({ ...base, signer }).serveSignedDownload, 'downloads.serveSignedDownload()'],
  ['downloads.issueDownloadUrl', createDownloads({ ...base, signer }).issueDownloadUrl, 'downloads.issueDownloadUrl()'],
  ['serveDownload', serveDownload, 'serveDownload({ … })'],
])('mounting %s without calling it says "call it" on the first request', async (_name, factory, call) => {
  const { app, errors } = appWith(factory);
  const res = await request(app).get('/files/report/content');
  expect(res.status).toBe(500);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toContain('got an HTTP request instead of options: it was mounted without being called.');
  expect(errors[0]).toContain(`Call it: app.use(path, ${call}).`);
  expect(errors[0]).not.toContain('_events');
});

test('a tenant read from the session: the owner gets a link, the signed route sees no tenant, and the event says why', async () => {
  const causes: string[] = [];
  const storage = memoryStorage().put('r.txt', 'report');
  const downloads = createDownloads({
    storage, signer,
    findFile: (id: string) => ({ id, key: 'r.txt', tenant: 'acme' }),
    authenticate: (req) => (req.get('cookie') === 'sid=alice' ? { orgId: 'acme' } : null),
    authorize: () => true,
    // The mistake: the principal exists only where someone is logged in.
    tenant: (_req, user) => user?.orgId,
    onEvent: (event) => {
      if (event.type === 'denied') causes.push(String((event.error.cause as Error | undefined)?.message));
    },
  });
  const app = express().use('/files', downloads.issueDownloadUrl(), downloads.serveSignedDownload());
  const issued = await request(app).get('/files/report/download-url').set('Cookie', 'sid=alice');
  expect(issued.status).toBe(200);
  const url = new URL(issued.body.download_url as string);
  const res = await request(app).get(url.pathname + url.search);
  expect(res.status).toBe(401);
  expect(causes).toEqual(['token is for another tenant (the tenant hook named none for this request: read it from the path, never from the session or principal)']);
});
