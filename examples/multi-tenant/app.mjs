// One mount, many tenants: each tenant in tenants.json has its own directory
// of files, its own HS256 signing key(s) and its own plan, resolved per
// request by `tenantConfig` and cached; `downloads.forgetTenant` (the admin
// endpoint) makes an edit of the file count at once.
//   GET  /orgs/:orgId/files/:fileId/download-url    (X-API-Key) → { download_url, … }
//   GET  /orgs/:orgId/files/:fileId/content?token=… (no auth)   → the bytes
//   GET  /orgs/:orgId/files/:fileId/download        (X-API-Key) → the bytes
//   POST /admin/tenants/:tenant/forget              (X-Admin-Key)
import { createHash, timingSafeEqual } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { createDownloads, createSigner, fsStorage, memoryStorage, memoryUseStore } from 'express-signed-downloads';
import { own } from '../shared/own.mjs';
import { readTenants, TENANTS_FILE } from './tenants.mjs';

/** Every tenant's files, by id; the bytes are in files/<tenant>/<key>. */
const FILES = {
  acme: { report: { key: 'report.txt', filename: 'acme-q3-report.txt' } },
  globex: { report: { key: 'report.txt', filename: 'globex-q3-report.txt' } },
  initech: { report: { key: 'report.txt', filename: 'initech-q3-report.txt' } },
};

const sameSecret = (a, b) => timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/**
 * `secret`: the shared signer's, used only by a tenant whose entry has no keys
 * (every tenant in tenants.json has its own). `adminKey` guards /admin.
 */
export function createApp({ secret, adminKey, tenantsFile = TENANTS_FILE }) {
  const downloads = createDownloads({
    // Every tenant has a storage of its own; this shared one holds nothing.
    storage: memoryStorage(),
    signer: createSigner({ secret }),
    // Counts the uses of links from plans with a use limit (one process only; see the single-use-links example for Redis).
    useStore: memoryUseStore(),
    tenant: (req) => req.params.orgId,
    tenantConfig: async (tenant) => {
      const entry = own((await readTenants(tenantsFile)).tenants, tenant);
      if (entry === null) return null; // unknown: 404 when issuing, 401 on a signed URL
      return {
        storage: fsStorage({ root: fileURLToPath(new URL(`./files/${tenant}`, import.meta.url)) }),
        keys: entry.keys, // [{ kid, alg: 'HS256', secret }]: the first signs, all verify
        ...entry.plan, // maxExpiresIn, expiresIn, maxUses
        state: entry.state ?? 'active',
      };
    },
    // Edits of tenants.json count after forgetTenant, or within a minute.
    tenantCache: { ttlSeconds: 60, unknownTtlSeconds: 10 },
    findFile: (id, req) => {
      const tenant = req.params.orgId;
      const file = own(own(FILES, tenant) ?? {}, id);
      return file === null ? null : { id, ...file, tenant };
    },
    authenticate: async (req) => {
      const tenant = own((await readTenants(tenantsFile)).apiKeys, req.get('x-api-key') ?? '');
      return tenant === null ? null : { tenant };
    },
    // A key opens its own tenant's files only (another tenant's: 403).
    authorize: (_req, file, key) => file.tenant === key.tenant,
    onEvent: (event) => {
      if (event.type === 'denied' || event.type === 'failed') console.log(`${event.type} ${event.fileId ?? '-'} ${event.status} ${event.error.code}`);
    },
  });

  const app = express();
  app.use('/orgs/:orgId/files', downloads.issueDownloadUrl(), downloads.serveSignedDownload(), downloads.serveDownload());
  // After roll-key.mjs, a plan change or a suspension: drop the cached configuration now.
  app.post('/admin/tenants/:tenant/forget', (req, res) => {
    if (!sameSecret(req.get('x-admin-key') ?? '', adminKey)) return res.status(401).json({ error: 'admin key required' });
    downloads.forgetTenant(req.params.tenant);
    console.log(`forgot tenant ${req.params.tenant}: its next request reads ${tenantsFile} again`);
    res.json({ forgotten: req.params.tenant });
  });
  return { app, downloads };
}
