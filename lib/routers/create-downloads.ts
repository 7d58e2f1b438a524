import { checkRouterOptions } from '../options/validate';
import type { Router } from 'express';
import { BOUND_KEYS, parseSettings, TENANT_DIRECTORY } from '../options/settings';
import { TenantDirectory } from '../tenants/tenant-directory';
import type { SharedOptions } from '../options/types';
import type { FileRecord } from '../types';
import { issueDownloadUrl, type IssueDownloadUrlOptions } from './issue-download-url';
import { issueDownloadUrls, type IssueDownloadUrlsOptions } from './issue-download-urls';
import { urlSigner, type SignedUrl, type SignUrlOptions } from './sign-url';
import { redirectToPresigned, type RedirectToPresignedOptions } from './redirect-to-presigned';
import { serveDownload, type ServeDownloadOptions } from './serve-download';
import { serveSignedDownload, type ServeSignedDownloadOptions } from './serve-signed-download';
import { issueArchiveUrl, type IssueArchiveUrlOptions } from './issue-archive-url';
import { serveSignedArchive, type ServeSignedArchiveOptions } from './serve-signed-archive';
import { memoryArchiveStore } from '../archives/archive-store';

/** Per-router options once the shared ones are bound: everything optional. */
export type BoundOptions<T> = Partial<T>;

/** The router factories with the shared options bound, typed by your principal and file record, and `signUrl`. */
export interface Downloads<Principal = unknown, File extends FileRecord = FileRecord> {
  issueDownloadUrl(options?: BoundOptions<IssueDownloadUrlOptions<Principal, File>>): Router;
  issueDownloadUrls(options?: BoundOptions<IssueDownloadUrlsOptions<Principal, File>>): Router;
  /** A signed link outside a request (e-mail, job, rendered page); it checks no access. Needs `signer`. *
 * @example
 * ```ts
 * // A link in an e-mail, made by a job with no request at hand.
 * const { url, expires } = await downloads.signUrl({
 *   fileId: 'report-42',
 *   baseUrl: 'https://app.example.com/orgs/acme/files', // where serveSignedDownload is mounted
 *   tenant: 'acme',
 *   expiresIn: 24 * 3600,
 * });
 * ```
 */
  signUrl(options: SignUrlOptions): Promise<SignedUrl>;
  serveSignedDownload(options?: BoundOptions<ServeSignedDownloadOptions<Principal, File>>): Router;
  redirectToPresigned(options?: BoundOptions<RedirectToPresignedOptions<Principal, File>>): Router;
  serveDownload(options?: BoundOptions<ServeDownloadOptions<Principal, File>>): Router;
  /**
   * `POST /archive-url` with `{ "file_ids": [...], "filename"? }`: a signed
   * link to one ZIP of those files, each authorized as `issueDownloadUrls`
   * authorizes it. Answers `{ download_url, token, expires, expires_in,
   * expires_at, filename, size, files }` (no `size` with `compression:
   * 'deflate'`, whose length is known only once it is sent).
   *
   * @example
   * ```ts
   * app.use('/files', express.json(), downloads.issueArchiveUrl({ maxFiles: 500 }));
   * app.use('/files', downloads.serveSignedArchive()); // GET /files/archives/content?token=…&expires=…
   * ```
   */
  issueArchiveUrl(options?: BoundOptions<IssueArchiveUrlOptions<Principal, File>>): Router;
  /** `GET /archives/content?token=…&expires=…`: the archive a link from `issueArchiveUrl` names, with `Range` and `If-Range`. */
  serveSignedArchive(options?: BoundOptions<ServeSignedArchiveOptions<Principal, File>>): Router;
  /**
   * Drops one tenant's cached configuration (`tenantConfig`) in every router
   * of this `createDownloads` at once: after a key roll, a plan change, a
   * suspension. The next request for it asks `tenantConfig` again.
   */
  forgetTenant(tenant: string): void;
}

/**
 * Binds options shared by all routers (lookup, storage, signer, hooks) once;
 * each router then takes only what differs. Per-router options win.
 * `Principal` and `File` are inferred from `authenticate` and `findFile`, so
 * every hook sees your own types: list those two before the hooks that use
 * them (TypeScript infers in order).
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createDownloads, createSigner, fsStorage } from 'express-signed-downloads';
 *
 * const downloads = createDownloads({
 *   storage: fsStorage({ root: '/srv/files' }),
 *   signer: createSigner({ secret: process.env.DOWNLOAD_SECRET }),
 *   authenticate: (req) => sessions.userFor(req),            // your principal, or null (401)
 *   findFile: (id) => db.documents.findById(id),             // your record, or null (404)
 *   tenant: (req) => req.params.orgId,
 *   authorize: (_req, doc, user) => doc.ownerId === user.id,  // false: 403
 * });
 * const app = express();
 * app.use('/orgs/:orgId/files', downloads.issueDownloadUrl());    // GET …/:fileId/download-url
 * app.use('/orgs/:orgId/files', downloads.serveSignedDownload()); // GET …/:fileId/content?token=…&expires=…
 * ```
 */
export function createDownloads<Principal = unknown, File extends FileRecord = FileRecord>(shared: SharedOptions<Principal, File>): Downloads<Principal, File> {
  // One cache of tenants' configurations for every router made here, so forgetTenant reaches them all.
  const directory = typeof shared?.tenantConfig === 'function' ? new TenantDirectory('createDownloads', shared.tenantConfig, shared.tenantCache) : undefined;
  // Archive links are issued by one router and served by another: both keep their manifests in one store.
  const withStore = shared?.archiveStore === undefined && typeof shared === 'object' && shared !== null ? { ...shared, archiveStore: memoryArchiveStore() } : shared;
  const withDirectory = directory === undefined ? withStore : { ...withStore, [TENANT_DIRECTORY]: directory };
  // Validate now so a mistake in the shared block fails at start-up even before a router is made.
  parseSettings('createDownloads', withDirectory, [], { authorize: false, signer: false });
  // Shared options a router does not use (authorize on the signed route) are fine here; passed to that router directly they are a mistake.
  const bound = <T extends object>(name: string, options: T) => {
    checkRouterOptions(name, options, `downloads.${name}()`);
    // A router option given as undefined (`publicBaseUrl: process.env.PUBLIC_BASE_URL`) is not given: the shared one stands.
    const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
    return { ...withDirectory, ...given, [BOUND_KEYS]: Object.keys(shared) };
  };
  return {
    forgetTenant: (tenant) => {
      if (typeof tenant !== 'string') throw new TypeError('forgetTenant: pass the tenant name, a string.');
      directory?.forget(tenant);
    },
    issueDownloadUrl: (options = {}) => issueDownloadUrl(bound('issueDownloadUrl', options) as IssueDownloadUrlOptions<Principal, File>),
    issueDownloadUrls: (options = {}) => issueDownloadUrls(bound('issueDownloadUrls', options) as IssueDownloadUrlsOptions<Principal, File>),
    signUrl: urlSigner(withDirectory),
    serveSignedDownload: (options = {}) => serveSignedDownload(bound('serveSignedDownload', options) as ServeSignedDownloadOptions<Principal, File>),
    redirectToPresigned: (options = {}) => redirectToPresigned(bound('redirectToPresigned', options) as RedirectToPresignedOptions<Principal, File>),
    serveDownload: (options = {}) => serveDownload(bound('serveDownload', options) as ServeDownloadOptions<Principal, File>),
    issueArchiveUrl: (options = {}) => issueArchiveUrl(bound('issueArchiveUrl', options) as IssueArchiveUrlOptions<Principal, File>),
    serveSignedArchive: (options = {}) => serveSignedArchive(bound('serveSignedArchive', options) as ServeSignedArchiveOptions<Principal, File>),
  };
}
