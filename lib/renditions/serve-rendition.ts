import type { Request } from 'express';
import type { Settings } from '../options/settings';
import type { DownloadableFile } from '../routers/access';
import { renditionsNotConfigured } from './requested';

/** A file to serve in place of the record's: the rendition, opened by the engine like any file. */
export interface RenditionTarget extends DownloadableFile {
  storage: Settings['storage'];
  varies: boolean;
}

/**
 * Where the bytes of `rendition` of a checked file come from. The record's
 * size and validators are the source's, not the rendition's: they are left
 * out, and the rendition's own type and download name take their place.
 */
export async function renditionTarget(req: Request, settings: Settings, tenant: string | undefined, target: DownloadableFile, rendition: string): Promise<RenditionTarget> {
  // A token signed where renditions were configured, redeemed where they are not.
  if (settings.renditions === undefined) throw renditionsNotConfigured('token');
  const variant = await settings.renditions.variant({
    rendition,
    file: target.file,
    key: target.key,
    storage: settings.storage,
    accept: req.headers.accept,
    tenant,
  });
  return {
    // The host's own fields stay (formatResponse sees its record); what described the source does not.
    file: { ...target.file, contentType: variant.contentType, filename: variant.filename, size: undefined, etag: undefined, lastModified: undefined },
    key: variant.key,
    known: {},
    storage: variant.storage,
    varies: variant.varies,
  };
}
