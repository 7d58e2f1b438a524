/**
 * Image renditions on signed links, rendered with sharp (an optional peer
 * dependency). Pass `imageRenditions({ presets })` as the shared option
 * `renditions`.
 * @module express-signed-downloads/images
 */
export { imageRenditions } from './images/image-renditions';
export type { ImageRenditionsOptions } from './images/image-renditions';
export { memoryVariants, storageVariants } from './images/variant-stores';
export type { MemoryVariantsOptions, StorageVariantsOptions, VariantStore } from './images/variant-stores';
export type { RenditionFit, RenditionFormat, RenditionParameters } from './renditions/parameters';
