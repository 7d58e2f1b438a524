import type { Router } from 'express';
import { parseSettings } from '../options/settings';
import type { SharedOptions } from '../options/types';
import { issueDownloadUrl, type IssueDownloadUrlOptions } from './issue-download-url';
import { redirectToPresigned, type RedirectToPresignedOptions } from './redirect-to-presigned';
import { serveDownload, type ServeDownloadOptions } from './serve-download';
import { serveSignedDownload, type ServeSignedDownloadOptions } from './serve-signed-download';

/** Per-router options once the shared ones are bound: everything optional. */
export type BoundOptions<T extends SharedOptions> = Partial<T>;

/** The four router factories with the shared options bound. */
export interface Downloads {
  issueDownloadUrl(options?: BoundOptions<IssueDownloadUrlOptions>): Router;
  serveSignedDownload(options?: BoundOptions<ServeSignedDownloadOptions>): Router;
  redirectToPresigned(options?: BoundOptions<RedirectToPresignedOptions>): Router;
  serveDownload(options?: BoundOptions<ServeDownloadOptions>): Router;
}

/**
 * Binds options shared by all routers (lookup, storage, signer, hooks) once;
 * each router then takes only what differs. Per-router options win.
 */
export function createDownloads(shared: SharedOptions): Downloads {
  // Validate now so a mistake in the shared block fails at start-up even before a router is made.
  parseSettings('createDownloads', shared, [], { authorize: false, signer: false });
  return {
    issueDownloadUrl: (options = {}) => issueDownloadUrl({ ...shared, ...options } as IssueDownloadUrlOptions),
    serveSignedDownload: (options = {}) => serveSignedDownload({ ...shared, ...options } as ServeSignedDownloadOptions),
    redirectToPresigned: (options = {}) => redirectToPresigned({ ...shared, ...options } as RedirectToPresignedOptions),
    serveDownload: (options = {}) => serveDownload({ ...shared, ...options } as ServeDownloadOptions),
  };
}
