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
