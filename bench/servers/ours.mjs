// Our routers, as an app would mount them. Each export builds one app from
// the config the harness passes (fixture root, secret, API key, options).
import express from 'express';
import { createDownloads, createSigner, fsStorage, issueDownloadUrl, issueDownloadUrls, redirectToPresigned, serveSignedDownload } from 'express-signed-downloads';

// Any id names `<id>.bin` under the fixture root. The record carries a
// filename only, so every request does the storage.stat that express.static
// also does: the comparison is serving against serving, not cache against stat.
const findFile = (id) => ({ id, key: `${id}.bin`, filename: `${id}.bin` });
// A record as a database row states it: with a version (its `etag`, as from `updated_at`).
const withVersion = (record) => ({ ...record, etag: '"v1"' });

/** serveSignedDownload on fsStorage: GET /files/:fileId/content?token=…&expires=… */
export function signedDownload({ root, secret, versioned = false }) {
  const app = express();
  app.use('/files', serveSignedDownload({ storage: fsStorage({ root }), signer: createSigner({ secret }), findFile: versioned ? (id) => withVersion(findFile(id)) : findFile }));
  return app;
}

/** The same route with JSON mode on (`Accept: application/json` gets base64 of files up to 8 MiB). */
export function signedDownloadJson({ root, secret }) {
  const app = express();
  app.use('/files', serveSignedDownload({ storage: fsStorage({ root }), signer: createSigner({ secret }), findFile, json: { maxBytes: 8 * 1024 * 1024 } }));
  return app;
}

/** The same route offloading the bytes to nginx (X-Accel-Redirect to /protected/, see examples/offload/nginx.conf). */
export function signedDownloadOffload({ root, secret }) {
  const app = express();
  app.use('/files', serveSignedDownload({
    storage: fsStorage({ root }), signer: createSigner({ secret }), findFile, offload: { header: 'X-Accel-Redirect', prefix: '/protected/' },
  }));
  return app;
}

/** issueDownloadUrl: GET /files/:fileId/download-url with X-API-Key → { download_url, token, expires, … } */
export function issueUrl({ root, secret, apiKey }) {
  const app = express();
  app.use('/files', issueDownloadUrl({
    storage: fsStorage({ root }),
    signer: createSigner({ secret }),
    findFile,
    authenticate: (req) => (req.get('x-api-key') === apiKey ? { id: 'bench-user' } : null),
    authorize: () => true,
  }));
  return app;
}

/** issueDownloadUrls: POST /files/download-urls { file_ids } with X-API-Key → { download_urls: [...] } */
export function issueBatch({ root, secret, apiKey }) {
  const app = express();
  app.use('/files', issueDownloadUrls({
    storage: fsStorage({ root }),
    signer: createSigner({ secret }),
    findFile,
    authenticate: (req) => (req.get('x-api-key') === apiKey ? { id: 'bench-user' } : null),
    authorize: () => true,
    maxBatch: 100,
  }));
  return app;
}

/**
 * redirectToPresigned on s3Storage: GET /report/redirect → 307. Presigning is
 * local computation, so no S3 server needs to run; a filename gives the type,
 * so no HeadObject either: the figure is the router plus signing.
 */
export async function redirect({ presignCache }) {
  const { S3Client } = await import('@aws-sdk/client-s3');
  const { s3Storage } = await import('express-signed-downloads/s3');
  const client = new S3Client({
    endpoint: 'http://127.0.0.1:7480', region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench-secret-bench-secret' },
  });
  const app = express();
  app.use(redirectToPresigned({
    storage: s3Storage({ client, bucket: 'bench', ...(presignCache ? { presignCache: {} } : {}) }),
    findFile: (id) => ({ id, key: `files/${id}.png`, filename: `${id}.png` }),
    authorize: () => true,
  }));
  return app;
}

/** The HS256 secret of bench tenant `t<i>`: each tenant signs with its own key. */
export const tenantSecret = (secret, tenant) => `${secret}:${tenant}`;

/**
 * One mount for `tenants` tenants (`/t/:tenant/files`), each with its own
 * key and its own fsStorage, as a host would keep them: a table of rows (the
 * database) and a tenantConfig that builds the storage and key list from a
 * row. `resolve` tenants (default all) are resolved before the server is
 * ready, through signUrl, which asks tenantConfig as a first request does.
 */
export async function tenantsSigned({ root, secret, tenants = 10_000, resolve = tenants, cacheMax = tenants }) {
  const rows = new Map();
  for (let i = 0; i < tenants; i++) rows.set(`t${i}`, { root, secret: tenantSecret(secret, `t${i}`) });
  const downloads = createDownloads({
    storage: fsStorage({ root }),
    signer: createSigner({ secret }),
    findFile: (id, req) => ({ ...findFile(id), tenant: req.params.tenant }),
    tenant: (req) => req.params.tenant,
    tenantConfig: (tenant) => {
      const row = rows.get(tenant);
      return row && { storage: fsStorage({ root: row.root }), keys: [{ kid: tenant, alg: 'HS256', secret: row.secret }] };
    },
    tenantCache: { max: cacheMax, ttlSeconds: 86_400 },
  });
  const app = express();
  app.use('/t/:tenant/files', downloads.serveSignedDownload());
  // The last `resolve` tenants: the one the scenario asks for is resolved whatever the count.
  for (let i = tenants - resolve; i < tenants; i++) {
    await downloads.signUrl({ fileId: 'small', tenant: `t${i}`, baseUrl: `http://127.0.0.1/t/t${i}/files` });
  }
  return app;
}

/** The same mount and tenant hook as tenantsSigned, without tenantConfig: one storage, one key for every tenant. */
export function tenantSigned({ root, secret }) {
  const app = express();
  app.use('/t/:tenant/files', serveSignedDownload({
    storage: fsStorage({ root }), signer: createSigner({ secret }),
    findFile: (id, req) => ({ ...findFile(id), tenant: req.params.tenant }), tenant: (req) => req.params.tenant,
  }));
  return app;
}

/**
 * The other way to serve tenants: one createDownloads and a mount per tenant
 * (`/t/t<i>/files`, serveSignedDownload + issueDownloadUrl), as a new user
 * would first write it. Express tries the mounts in order.
 */
export function mountedTenants({ root, secret, apiKey, tenants = 1 }) {
  const downloads = createDownloads({
    storage: fsStorage({ root }),
    signer: createSigner({ secret }),
    findFile,
    authenticate: (req) => (req.get('x-api-key') === apiKey ? { user: 'bench' } : null),
    authorize: () => true,
  });
  const app = express();
  for (let i = 0; i < tenants; i++) app.use(`/t/t${i}/files`, downloads.serveSignedDownload(), downloads.issueDownloadUrl());
  return app;
}

/**
 * serveSignedDownload with image renditions: `photo…` ids are `photo….jpg`,
 * the presets those of the config (default w512, a 512-pixel WebP); with
 * `versioned` the records state their type and version (no source lookup on a hit).
 * `keepVariants: false` keeps none, so every request renders.
 */
export async function signedRendition({ root, secret, keepVariants = true, presets = { w512: { width: 512, format: 'webp', quality: 80 } }, sharpCache = true, concurrency, versioned = false }) {
  const { imageRenditions, memoryVariants } = await import('express-signed-downloads/images');
  if (!sharpCache) (await import('sharp')).default.cache(false);
  const app = express();
  app.use('/files', serveSignedDownload({
    storage: fsStorage({ root }),
    signer: createSigner({ secret }),
    findFile: (id) => {
      const key = id.startsWith('photo') ? `${id}.jpg` : `${id}.bin`;
      return versioned ? withVersion({ id, key, filename: key }) : { id, key };
    },
    renditions: imageRenditions({
      presets,
      concurrency,
      ...(keepVariants ? {} : { variants: memoryVariants({ maxBytes: 0 }) }),
    }),
  }));
  return app;
}

/**
 * Archive links (issueArchiveUrl + serveSignedArchive) on fsStorage. The
 * manifests live in files under `<root>/manifests` (an ArchiveStore on the
 * storage the host has), so a link the harness issued in its own process is
 * served by this one; learnt CRC-32s stay in this process's memory. An id
 * `large~3` is the file large.bin under the name `large~3.bin`; with `crcs`
 * (file id → CRC-32) records state their CRC-32 as a database row would.
 */
export async function signedArchive({ root, secret, apiKey, crcs = {} }) {
  const { archiveManifestFiles } = await import('../lib/archive-files.mjs');
  const downloads = createDownloads({
    storage: fsStorage({ root }),
    signer: createSigner({ secret }),
    archiveStore: archiveManifestFiles(root),
    findFile: (id) => {
      const base = id.split('~')[0];
      return { id, key: `${base}.bin`, filename: `${id}.bin`, ...(crcs[base] === undefined ? {} : { crc32: crcs[base] }) };
    },
    authenticate: (req) => (req.get('x-api-key') === apiKey ? { id: 'bench-user' } : null),
    authorize: () => true,
  });
  const app = express();
  app.use('/files', downloads.serveSignedArchive(), express.json({ limit: '4mb' }), downloads.issueArchiveUrl({ maxFiles: 100_000, maxBytes: 64 * 1024 ** 3 }));
  return app;
}
