import type { StorageAdapter } from '../storage/types';
import type { FileRecord } from '../types';

/**
 * What the shared option `renditions` is: the core's only view of image
 * renditions. `imageRenditions()` from `express-signed-downloads/images`
 * makes one (on sharp); the core never imports an image library, it asks
 * this object what a link may bind and where a rendition's bytes are.
 */
export interface Renditions {
  /**
   * The rendition a request's query asks for (`?rendition=thumb`, or free
   * parameters where allowed) in the canonical form a token binds, or
   * `undefined` when it asks for none. Throws a `DownloadError`
   * (`VALIDATION_ERROR`) for an unknown preset or a parameter out of bounds.
   */
  fromQuery(query: URLSearchParams): string | undefined;
  /** The same for `signUrl({ rendition })`: a preset name or free parameters. Throws a `TypeError` a developer can act on. */
  fromOption(value: unknown): string;
  /**
   * Where the rendition of one source file is served from, for one request:
   * the source is looked up (not read) to know its type and version.
   */
  variant(source: RenditionSource): Promise<RenditionVariant>;
}

/** The source file of a rendition, as the serving route knows it. */
export interface RenditionSource {
  /** The canonical rendition (from the token, or from the query on the authenticated route). */
  rendition: string;
  file: FileRecord;
  /** The source's storage key. */
  key: string;
  /** The source's storage (the tenant's own with `tenantConfig`). */
  storage: StorageAdapter;
  /** The request's `Accept` header, for `format: 'auto'`. */
  accept: string | undefined;
  /** Whose render this is, for fairness between tenants. */
  tenant: string | undefined;
}

/** A rendition ready to serve: the engine opens `key` in `storage` like any file. */
export interface RenditionVariant {
  storage: StorageAdapter;
  key: string;
  /** The rendered type, e.g. `image/webp`. */
  contentType: string;
  /** The download name with the rendered type's extension (`photo.webp` for `photo.jpg`). */
  filename: string | undefined;
  /** The answer depends on `Accept` (`format: 'auto'`): caches must key on it. */
  varies: boolean;
}
