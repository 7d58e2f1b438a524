// The app behind the caches: stable links with `sharedCache` at /thumbs, the
// same router with 0.4.0's header at /thumbs/old (cached alike), private and counted links at /files.
import express from 'express';
import type { Request } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDownloads, createSigner, memoryStorage, memoryUseStore } from '../../lib';
import { pattern } from '../helpers/app';

/** Seconds of clock skew the test signer accepts: kept small so expiry waits stay short. */
export const CLOCK_TOLERANCE = 1;
/** Bucket of the stable links. The routers' `stableUrls` asks for 60 s or more; the signer takes any. */
export const BUCKET_SECONDS = 5;

export const thumb = pattern(20_000);
export const clip = pattern(300_000);

/** One request as the app saw it. */
export interface Seen {
  method: string;
  path: string;
  range: string | undefined;
}

export interface Host {
  port: number;
  seen: Seen[];
  /** Requests the app saw for this file id. */
  seenFor(fileId: string): Seen[];
  /** A stable link of `mount` for `fileId`, asking for `life.expiresIn`; it must expire at `life.expires`. */
  stableLink(mount: '/thumbs' | '/thumbs/old', fileId: string, life: StableLife): Promise<string>;
  /** A private link at /files, counted when `maxUses` is given. */
  privateLink(fileId: string, maxUses?: number): Promise<string>;
  stop(): Promise<void>;
}

/** What 0.4.0 sent for a shared answer: `public, max-age=<remaining>`, in both headers. */
function oldSharedHeaders(_file: unknown, req: Request): Record<string, string> {
  const remaining = Math.max(0, Number(req.query.expires) - Math.floor(Date.now() / 1000));
  return { 'Cache-Control': `public, max-age=${remaining}`, 'CDN-Cache-Control': `public, max-age=${remaining}` };
}

export async function startHost(): Promise<Host> {
  const signer = createSigner({ secret: 'caches-test-secret-that-is-32-bytes!!', clockTolerance: CLOCK_TOLERANCE });
  const downloads = createDownloads({
    storage: memoryStorage().put('thumb.png', thumb).put('clip.bin', clip),
    signer,
    // Any id is a file: each test uses ids of its own, so the app's log tells them apart.
    findFile: (id) => ({ id, key: id.startsWith('clip') ? 'clip.bin' : 'thumb.png' }),
    authorize: () => true,
    useStore: memoryUseStore(),
  });
  const seen: Seen[] = [];
  const app = express();
  app.use((req, _res, next) => {
    seen.push({ method: req.method, path: req.path, range: req.get('range') });
    next();
  });
  app.get('/page', (_req, res) => { res.type('html').send('<!doctype html><title>caches</title>'); });
  app.use('/thumbs/old', downloads.serveSignedDownload({ sharedCache: true, headers: oldSharedHeaders }));
  app.use('/thumbs', downloads.serveSignedDownload({ sharedCache: true }));
  app.use('/files', downloads.serveSignedDownload());
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    seen,
    seenFor: (fileId) => seen.filter((entry) => entry.path.split('/').at(-2) === fileId),
    async stableLink(mount, fileId, { expires, expiresIn }) {
      const scope = `${mount}/${fileId}/content`;
      const signed = await signer.sign({ fileId, scope, expiresIn, bucketSeconds: BUCKET_SECONDS });
      if (!signed.stable || signed.expires !== expires) throw new Error(`not the stable link asked for: ${JSON.stringify(signed)}`);
      return `${scope}?token=${signed.token}&expires=${signed.expires}`;
    },
    async privateLink(fileId, maxUses) {
      const signed = await downloads.signUrl({ fileId, baseUrl: 'http://127.0.0.1/files', expiresIn: 120, ...(maxUses === undefined ? {} : { maxUses }) });
      const url = new URL(signed.url);
      return url.pathname + url.search;
    },
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** When a test's stable links expire (Unix seconds) and the lifetime they are issued with. */
export interface StableLife {
  expires: number;
  expiresIn: number;
}

/**
 * The first bucket boundary at least `seconds` from now, and the lifetime to
 * ask for so that links issued during the next BUCKET_SECONDS - 1 seconds
 * all round up to it: they are the same URL, as from the router.
 */
export function stableLife(seconds: number): StableLife {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const expires = Math.ceil((nowSeconds + seconds) / BUCKET_SECONDS) * BUCKET_SECONDS;
  return { expires, expiresIn: expires - nowSeconds - (BUCKET_SECONDS - 1) };
}

/** Resolves at the instant `at` (ms since the epoch) by the wall clock. */
export async function until(at: number): Promise<void> {
  while (Date.now() < at) await new Promise((resolve) => setTimeout(resolve, Math.min(at - Date.now(), 1000)));
}
