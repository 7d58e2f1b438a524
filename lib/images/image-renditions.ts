import { availableParallelism } from 'node:os';
import { integerOption, rejectUnknownKeys } from '../options/validate';
import type { RenditionParameters } from '../renditions/parameters';
import type { Renditions } from '../renditions/types';
import { loadSharp } from './load-sharp';
import { RenditionCatalogue } from './parameters';
import { RenderQueue } from './render-queue';
import { VariantSource } from './variant-source';
import { memoryVariants, type VariantStore } from './variant-stores';

/** Options of {@link imageRenditions}. */
export interface ImageRenditionsOptions {
  /** Named renditions links may ask for (`?rendition=thumb`), e.g. `{ thumb: { width: 256, height: 256, fit: 'cover' } }`. */
  presets: Readonly<Record<string, RenditionParameters>>;
  /**
   * Also accept free parameters (`?width=640&format=webp`, `signUrl({
   * rendition: { width: 640 } })`) within `maxSide` (default false: presets only).
   */
  custom?: boolean | undefined;
  /** Largest width or height of a rendition, in pixels (default 2500). */
  maxSide?: number | undefined;
  /** What `format: 'auto'` may choose when `Accept` names it, in order of preference (default `['avif', 'webp']`). */
  autoFormats?: readonly ('avif' | 'webp')[] | undefined;
  /** Largest source rendered, in pixels (width × height from its header; default 50,000,000): decompression bombs are refused unread. */
  maxInputPixels?: number | undefined;
  /** Largest source read for rendering, in bytes (default 64 MiB). */
  maxInputBytes?: number | undefined;
  /** Longest one render may take (default 30 s): past it, 500 `RENDER_FAILED`. */
  timeoutSeconds?: number | undefined;
  /** An animated GIF or WebP: render its first frame (default), or refuse it with 415 `IMAGE_UNSUPPORTED`. */
  animated?: 'first-frame' | 'refuse' | undefined;
  /** Renders at once (default: the number of CPUs). */
  concurrency?: number | undefined;
  /**
   * Renders running or waiting, in all (`max`, default 200) and per tenant
   * (`perTenant`, default 50); past either, 503 `RENDER_BUSY` with `Retry-After`.
   */
  queue?: { max?: number | undefined; perTenant?: number | undefined } | undefined;
  /** Where variants are kept (default `memoryVariants()`, 64 MiB in this process). */
  variants?: VariantStore | undefined;
}

const KEYS = ['presets', 'custom', 'maxSide', 'autoFormats', 'maxInputPixels', 'maxInputBytes', 'timeoutSeconds', 'animated', 'concurrency', 'queue', 'variants'];

function parseAutoFormats(where: string, value: unknown): readonly ('avif' | 'webp')[] {
  if (value === undefined) return ['avif', 'webp'];
  if (!Array.isArray(value) || value.some((format) => format !== 'avif' && format !== 'webp') || new Set(value).size !== value.length) {
    throw new TypeError(`${where}: \`autoFormats\` must list 'avif' and/or 'webp' once each, in order of preference (an empty list means JPEG or PNG only).`);
  }
  return value as ('avif' | 'webp')[];
}

function parseVariants(where: string, value: unknown): VariantStore {
  if (value === undefined) return memoryVariants();
  const { open, save } = (value ?? {}) as Partial<VariantStore>;
  if (typeof value !== 'object' || typeof open !== 'function' || typeof save !== 'function') {
    throw new TypeError(`${where}: \`variants\` must be a variant store: memoryVariants(), or storageVariants(storage) over fsStorage or s3Storage.`);
  }
  return value as VariantStore;
}

/**
 * Image renditions for the shared option `renditions`: sizes and formats a
 * link asks for when it is issued (`?rendition=thumb`, `signUrl({ rendition
 * })`) and binds into its token. Rendered on sharp (an optional peer
 * dependency: `npm install sharp`) once per source version, kept in a
 * variant store, and served like a file (ETag, 304, Range, HEAD).
 *
 * @example
 * ```ts
 * import { createDownloads } from 'express-signed-downloads';
 * import { imageRenditions } from 'express-signed-downloads/images';
 *
 * const downloads = createDownloads({
 *   storage, signer,
 *   findFile: (id): Promise<Doc | null> => db.documents.findById(id),
 *   authorize: (req, doc) => doc.ownerId === req.user?.id,
 *   renditions: imageRenditions({
 *     presets: {
 *       thumb: { width: 256, height: 256, fit: 'cover' },   // format 'auto': AVIF or WebP where the browser takes it
 *       preview: { width: 1280, format: 'webp', quality: 75 },
 *     },
 *   }),
 * });
 * // GET /files/:fileId/download-url?rendition=thumb → a link that serves the 256-pixel thumbnail.
 * ```
 */
export function imageRenditions(options: ImageRenditionsOptions): Renditions {
  const where = 'imageRenditions';
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: pass { presets }, e.g. { presets: { thumb: { width: 256, height: 256, fit: 'cover' } } }.`);
  rejectUnknownKeys(where, options, KEYS);
  const { presets } = options;
  if (typeof presets !== 'object' || presets === null || Array.isArray(presets)) {
    const given = presets === undefined ? 'is required' : Array.isArray(presets) ? 'must be an object of named presets, not an array' : 'must be an object of named presets';
    throw new TypeError(`${where}: \`presets\` ${given}: named renditions such as { thumb: { width: 256, height: 256, fit: 'cover' } } ({} with custom: true for free parameters only).`);
  }
  if (options.custom !== undefined && typeof options.custom !== 'boolean') throw new TypeError(`${where}: \`custom\` must be true or false.`);
  if (options.animated !== undefined && options.animated !== 'first-frame' && options.animated !== 'refuse') throw new TypeError(`${where}: \`animated\` must be 'first-frame' or 'refuse'.`);
  const maxSide = integerOption(where, 'maxSide', options.maxSide, 2500, 1, 16_383, 'pixels');
  const catalogue = new RenditionCatalogue(where, presets, options.custom === true, maxSide);
  if (catalogue.presetNames.length === 0 && !catalogue.custom) throw new TypeError(`${where}: \`presets\` is empty and \`custom\` is off: no rendition could ever be asked for.`);
  const queue = options.queue ?? {};
  if (typeof queue !== 'object' || queue === null) throw new TypeError(`${where}: \`queue\` must be { max?, perTenant? }.`);
  rejectUnknownKeys(`${where}: queue`, queue, ['max', 'perTenant']);
  const concurrency = integerOption(where, 'concurrency', options.concurrency, availableParallelism(), 1, 1024, 'renders');
  const max = integerOption(where, 'queue.max', queue.max, 200, 1, 1_000_000, 'renders');
  const perTenant = integerOption(where, 'queue.perTenant', queue.perTenant, Math.min(50, max), 1, max, 'renders');
  const variants = new VariantSource({
    // Loaded here, not at import: the subpath can be imported to probe for it.
    sharp: loadSharp(),
    catalogue,
    store: parseVariants(where, options.variants),
    queue: new RenderQueue({ concurrency, max, perTenant }),
    limits: {
      maxSide,
      maxInputPixels: integerOption(where, 'maxInputPixels', options.maxInputPixels, 50_000_000, 1, 268_402_689, 'pixels'),
      timeoutSeconds: integerOption(where, 'timeoutSeconds', options.timeoutSeconds, 30, 1, 3600),
      animated: options.animated ?? 'first-frame',
    },
    maxInputBytes: integerOption(where, 'maxInputBytes', options.maxInputBytes, 64 * 1024 * 1024, 1, 2 ** 31 - 1, 'bytes'),
    autoFormats: parseAutoFormats(where, options.autoFormats),
  });
  return {
    fromQuery: (query) => catalogue.fromQuery(query),
    fromOption: (value) => catalogue.fromOption(value),
    variant: (source) => variants.variant(source),
  };
}
