// Observability: every download event as a structured log line (pino) and as
// Prometheus metrics (prom-client) on /metrics. Nothing here is specific to
// this example's files: `observe(registry, logger)` is the whole integration.
import { fileURLToPath } from 'node:url';
import express from 'express';
import pino from 'pino';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { createDownloads, createSigner, fsStorage } from 'express-signed-downloads';
import { own } from '../shared/own.mjs';

const FILES = {
  report: { id: 'report', key: 'report.png', ownerId: 'alice' },
  notes: { id: 'notes', key: 'notes.txt', ownerId: 'alice' },
  payroll: { id: 'payroll', key: 'notes.txt', ownerId: 'bob' },
  broken: { id: 'broken', key: 'missing.bin', ownerId: 'alice' },
};
const USERS = { 'alice-key': { id: 'alice' }, 'bob-key': { id: 'bob' } };

/** Turns download events into log lines and metrics: one handler for onEvent. */
export function observe(registry, logger) {
  const downloads = new Counter({ name: 'downloads_total', help: 'File responses, by router kind and status', labelNames: ['signed', 'status', 'outcome'], registers: [registry] });
  const bytes = new Counter({ name: 'download_bytes_total', help: 'Body bytes sent', labelNames: ['signed'], registers: [registry] });
  const denials = new Counter({ name: 'download_denials_total', help: 'Refused requests, by error code', labelNames: ['code', 'status'], registers: [registry] });
  const failures = new Counter({ name: 'download_failures_total', help: '5xx answers, by error code', labelNames: ['code'], registers: [registry] });
  const issued = new Counter({ name: 'download_urls_issued_total', help: 'Download URLs issued', labelNames: ['mode'], registers: [registry] });
  const latency = new Histogram({
    name: 'download_duration_seconds', help: 'Time from request to the end of the body', labelNames: ['signed'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry],
  });

  return (event) => {
    const base = { event: event.type, fileId: event.fileId, tenant: event.tenant, user: event.principal?.id, path: event.req.originalUrl.split('?')[0] };
    switch (event.type) {
      case 'issued':
        issued.inc({ mode: event.mode });
        logger.info({ ...base, mode: event.mode, expires: event.expires, subject: event.subject }, 'download URL issued');
        break;
      case 'served': {
        const signed = String(event.signed);
        downloads.inc({ signed, status: event.status, outcome: event.aborted ? 'aborted' : 'complete' });
        bytes.inc({ signed }, event.bytes);
        latency.observe({ signed }, event.durationMs / 1000);
        // `claims.subject` ties a signed download to whom the link was given.
        logger.info({ ...base, status: event.status, bytes: event.bytes, range: event.range, aborted: event.aborted, ms: Math.round(event.durationMs), givenTo: event.claims?.subject }, 'file served');
        break;
      }
      case 'denied':
        denials.inc({ code: event.error.code, status: event.status });
        logger.warn({ ...base, status: event.status, code: event.error.code, reason: event.error.cause instanceof Error ? event.error.cause.message : undefined }, 'download denied');
        break;
      case 'failed':
        failures.inc({ code: event.error.code });
        logger.error({ ...base, status: event.status, code: event.error.code, err: event.error.cause }, 'download failed');
        break;
      case 'redirected':
        logger.info({ ...base, expiresIn: event.expiresIn }, 'redirected to storage');
        break;
    }
  };
}

/** The app: downloads on local disk, every event observed, metrics on /metrics. */
export function createApp({ secret, logger = pino() }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const downloads = createDownloads({
    storage: fsStorage({ root: fileURLToPath(new URL('./files', import.meta.url)) }),
    signer: createSigner({ secret }),
    findFile: (id) => {
      if (id === 'crash') throw new Error('files database is unreachable');
      return own(FILES, id);
    },
    authenticate: (req) => own(USERS, req.get('x-api-key') ?? ''),
    authorize: (_req, file, user) => file.ownerId === user.id,
    subject: (user) => user.id,
    onEvent: observe(registry, logger),
  });
  const app = express();
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', registry.contentType).send(await registry.metrics());
  });
  app.use('/files', downloads.serveSignedDownload());
  app.use('/files', downloads.issueDownloadUrl(), downloads.serveDownload());
  return app;
}
