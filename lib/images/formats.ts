import type { RenditionFormat } from '../renditions/parameters';

/** The formats a rendition is written in. */
export type OutputFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'gif' | 'tiff';

const OUTPUT: Readonly<Record<OutputFormat, { type: string; extension: string }>> = {
  jpeg: { type: 'image/jpeg', extension: '.jpg' },
  png: { type: 'image/png', extension: '.png' },
  webp: { type: 'image/webp', extension: '.webp' },
  avif: { type: 'image/avif', extension: '.avif' },
  gif: { type: 'image/gif', extension: '.gif' },
  tiff: { type: 'image/tiff', extension: '.tif' },
};

/**
 * The source types that are rendered, by the type the routers would serve
 * the file with. Nothing that can run code or fetch (SVG, PDF, PostScript)
 * and nothing libvips reads through a general-purpose loader.
 */
const SOURCE: ReadonlyMap<string, OutputFormat> = new Map([
  ['image/jpeg', 'jpeg'], ['image/pjpeg', 'jpeg'], ['image/png', 'png'], ['image/webp', 'webp'],
  ['image/gif', 'gif'], ['image/avif', 'avif'], ['image/tiff', 'tiff'],
]);

/** What sharp must find in the bytes, whatever the name says: an SVG named `.jpg` is still refused. */
export const DECODED = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif']);

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** An ISO base media file (AVIF) whose `ftyp` box names an AVIF brand. */
function isAvif(input: Buffer): boolean {
  if (input.length < 16 || input.toString('latin1', 4, 8) !== 'ftyp') return false;
  const size = Math.min(input.readUInt32BE(0), input.length, 256);
  for (let at = 8; at + 4 <= size; at += 4) {
    const brand = input.toString('latin1', at, at + 4);
    if (brand === 'avif' || brand === 'avis') return true;
  }
  return false;
}

/**
 * The format of a source by its first bytes, before any decoder sees it:
 * only these signatures reach sharp, so SVG, PDF and the formats of
 * libvips's general-purpose loaders are never parsed at all.
 */
export function sniff(input: Buffer): OutputFormat | undefined {
  if (input.length >= 3 && input[0] === 0xff && input[1] === 0xd8 && input[2] === 0xff) return 'jpeg';
  if (input.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  const head = input.toString('latin1', 0, Math.min(12, input.length));
  if (head.startsWith('GIF87a') || head.startsWith('GIF89a')) return 'gif';
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'WEBP') return 'webp';
  if (head.startsWith('II*\u0000') || head.startsWith('MM\u0000*')) return 'tiff';
  return isAvif(input) ? 'avif' : undefined;
}

export function sourceFormat(essence: string): OutputFormat | undefined {
  return SOURCE.get(essence);
}

export function outputType(format: OutputFormat): string {
  return OUTPUT[format].type;
}

export function outputExtension(format: OutputFormat): string {
  return OUTPUT[format].extension;
}

/** Whether `accept` names `type` itself with a non-zero q (`image/*` promises nothing about AVIF or WebP). */
function accepts(accept: string, type: string): boolean {
  for (const item of accept.split(',')) {
    const [range = '', ...parameters] = item.split(';');
    if (range.trim().toLowerCase() !== type) continue;
    const q = parameters.map((parameter) => parameter.trim().toLowerCase()).find((parameter) => parameter.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/** Formats that may have transparency fall back to PNG, the rest to JPEG. */
const fallback = (source: OutputFormat): OutputFormat => (source === 'jpeg' ? 'jpeg' : 'png');

/**
 * The format a rendition is written in for this request: the one asked for,
 * the source's own (`origin`), or for `auto` the first of `candidates` the
 * client's `Accept` names, else JPEG or PNG (which every browser shows).
 */
export function chooseFormat(asked: RenditionFormat, source: OutputFormat, accept: string | undefined, candidates: readonly ('avif' | 'webp')[]): OutputFormat {
  if (asked === 'origin') return source;
  if (asked !== 'auto') return asked;
  if (accept !== undefined) {
    for (const candidate of candidates) {
      if (accepts(accept, OUTPUT[candidate].type)) return candidate;
    }
  }
  return fallback(source);
}
