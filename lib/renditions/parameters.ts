/**
 * How a rendition fits its box when both `width` and `height` are given
 * (sharp's names). sharp's `'outside'` is not offered: it covers the box and
 * may pass `maxSide` by the source's aspect ratio.
 */
export type RenditionFit = 'cover' | 'contain' | 'fill' | 'inside';

/**
 * The format of a rendition: `'auto'` picks AVIF or WebP when the request's
 * `Accept` names it (else JPEG, or PNG for sources that may be transparent),
 * `'origin'` keeps the source's format.
 */
export type RenditionFormat = 'auto' | 'origin' | 'webp' | 'avif' | 'jpeg' | 'png';

/** What a rendition makes of an image: a preset, or free parameters where allowed. */
export interface RenditionParameters {
  /** Pixels, at most the renditions' `maxSide` (2500 by default). Never enlarged beyond the source. */
  width?: number | undefined;
  height?: number | undefined;
  /** Default `'cover'` (both sides given), else the image keeps its aspect ratio. */
  fit?: RenditionFit | undefined;
  /** 20 to 100 (default 80); PNG ignores it (a PNG rendition binds the default, so qualities do not multiply its variants). */
  quality?: number | undefined;
  /** Default `'auto'`. */
  format?: RenditionFormat | undefined;
}
