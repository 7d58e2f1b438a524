import { DownloadError } from '../errors';
import { single } from '../http/query';
import type { RenditionFit, RenditionFormat, RenditionParameters } from '../renditions/parameters';

/** A rendition with every default applied: what is rendered, and what a variant is keyed by. */
export interface Rendering {
  width: number | undefined;
  height: number | undefined;
  fit: RenditionFit;
  quality: number;
  format: RenditionFormat;
}

export const FITS: readonly RenditionFit[] = ['cover', 'contain', 'fill', 'inside'];
export const FORMATS: readonly RenditionFormat[] = ['auto', 'origin', 'webp', 'avif', 'jpeg', 'png'];
const QUALITY = { min: 20, max: 100, fallback: 80 };
const NAMES = ['width', 'height', 'fit', 'quality', 'format'] as const;
const PRESET_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Free parameters are bound as `~` and this list, so they can never be mistaken for a preset name. */
const CUSTOM_MARK = '~';

/** One failed check: which parameter, why, and the bounds, for a 422 or a start-up error alike. */
class ParameterProblem {
  constructor(readonly parameter: string, readonly reason: string, readonly message: string, readonly bounds: Record<string, unknown> = {}) {}
}

function sideOf(name: 'width' | 'height', value: unknown, maxSide: number): number | undefined {
  if (value === undefined) return undefined;
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= maxSide)) {
    throw new ParameterProblem(name, 'out_of_range', `${name} must be an integer number of pixels from 1 to ${maxSide}.`, { min: 1, max: maxSide });
  }
  return value;
}

/** Checks parameters and applies the defaults; throws a {@link ParameterProblem}. */
function normalise(parameters: RenditionParameters, maxSide: number): Rendering {
  const width = sideOf('width', parameters.width, maxSide);
  const height = sideOf('height', parameters.height, maxSide);
  const { fit = 'cover', quality = QUALITY.fallback, format = 'auto' } = parameters;
  if (!FITS.includes(fit)) throw new ParameterProblem('fit', 'not_allowed', `fit must be one of ${FITS.join(', ')}.`, { allowed: FITS });
  if (!(typeof quality === 'number' && Number.isInteger(quality) && quality >= QUALITY.min && quality <= QUALITY.max)) {
    throw new ParameterProblem('quality', 'out_of_range', `quality must be an integer from ${QUALITY.min} to ${QUALITY.max}.`, { min: QUALITY.min, max: QUALITY.max });
  }
  if (!FORMATS.includes(format)) throw new ParameterProblem('format', 'not_allowed', `format must be one of ${FORMATS.join(', ')}.`, { allowed: FORMATS });
  // PNG is lossless: a quality would only make more variants of the same bytes.
  return { width, height, fit, quality: format === 'png' ? QUALITY.fallback : quality, format };
}

/** The canonical spelling of a rendering: equal renderings, equal strings (variant keys depend on it). */
export function spelling(rendering: Rendering): string {
  return `w=${rendering.width ?? ''};h=${rendering.height ?? ''};fit=${rendering.fit};q=${rendering.quality};f=${rendering.format}`;
}

const INTEGER = /^[1-9][0-9]{0,5}$/;

/** A query's free parameters as numbers and names; what is not a plain integer stays a string and fails the checks. */
function fromStrings(values: Partial<Record<(typeof NAMES)[number], string>>): RenditionParameters {
  const integer = (raw: string | undefined) => (raw === undefined ? undefined : INTEGER.test(raw) ? Number(raw) : raw);
  return {
    width: integer(values.width) as number | undefined,
    height: integer(values.height) as number | undefined,
    quality: integer(values.quality) as number | undefined,
    fit: values.fit as RenditionFit | undefined,
    format: values.format as RenditionFormat | undefined,
  };
}

function unprocessable(problem: ParameterProblem): DownloadError {
  return new DownloadError('VALIDATION_ERROR', problem.message, { details: { parameter: problem.parameter, in: 'query', reason: problem.reason, ...problem.bounds } });
}

/** The presets and limits of one `imageRenditions`, and the readers of what links ask for. */
export class RenditionCatalogue {
  readonly #presets: ReadonlyMap<string, Rendering>;

  constructor(where: string, presets: Readonly<Record<string, RenditionParameters>>, readonly custom: boolean, readonly maxSide: number) {
    const checked = new Map<string, Rendering>();
    for (const [name, parameters] of Object.entries(presets)) {
      if (!PRESET_NAME.test(name)) throw new TypeError(`${where}: preset name ${JSON.stringify(name)} must be 1 to 64 letters, digits, '_' or '-', starting with a letter or digit.`);
      if (typeof parameters !== 'object' || parameters === null) throw new TypeError(`${where}: preset ${name} must be an object such as { width: 256, height: 256, fit: 'cover' }.`);
      const unknown = Object.keys(parameters).filter((key) => !(NAMES as readonly string[]).includes(key));
      if (unknown.length > 0) throw new TypeError(`${where}: preset ${name} has unknown option ${unknown.map((key) => `\`${key}\``).join(', ')}; it takes ${NAMES.join(', ')}.`);
      try {
        checked.set(name, normalise(parameters, maxSide));
      } catch (problem) {
        if (problem instanceof ParameterProblem) throw new TypeError(`${where}: preset ${name}: ${problem.message}`);
        throw problem;
      }
    }
    this.#presets = checked;
  }

  get presetNames(): string[] {
    return [...this.#presets.keys()];
  }

  /** What a bound rendition renders, or undefined for one this catalogue does not know (a preset removed since). */
  rendering(bound: string): Rendering | undefined {
    if (!bound.startsWith(CUSTOM_MARK)) return this.#presets.get(bound);
    if (!this.custom) return undefined;
    const values: Record<string, string> = {};
    for (const pair of bound.slice(1).split(';')) {
      const [name, value = ''] = pair.split('=');
      if (name !== undefined && value !== '') values[name] = value;
    }
    try {
      return normalise(fromStrings({ width: values.w, height: values.h, fit: values.fit, quality: values.q, format: values.f }), this.maxSide);
    } catch {
      return undefined;
    }
  }

  /** `?rendition=<preset>`, or free parameters where allowed; `undefined` when the query asks for none. */
  fromQuery(query: URLSearchParams): string | undefined {
    const bracketed = [...query.keys()].find((key) => NAMES.some((name) => key.startsWith(`${name}[`)));
    if (bracketed !== undefined) throw unprocessable(new ParameterProblem(bracketed, 'malformed', `${bracketed}: parameters take one plain value (width=640, not width[]=640).`));
    const preset = single(query, 'rendition');
    const free = NAMES.filter((name) => query.has(name));
    if (preset === undefined && free.length === 0) return undefined;
    if (preset !== undefined && free.length > 0) {
      throw unprocessable(new ParameterProblem('rendition', 'not_allowed', `rendition and free parameters (${free.join(', ')}) cannot be combined: a preset says it all.`));
    }
    if (preset === null) throw unprocessable(new ParameterProblem('rendition', 'repeated', 'rendition must be given once.'));
    if (preset !== undefined) {
      if (!this.#presets.has(preset)) {
        throw unprocessable(new ParameterProblem('rendition', 'unknown_preset', `rendition must name one of the presets: ${this.presetNames.join(', ') || '(none)'}.`, { allowed: this.presetNames }));
      }
      return preset;
    }
    if (!this.custom) {
      throw unprocessable(new ParameterProblem(free[0]!, 'not_allowed', `${free.join(', ')}: only presets are accepted here (rendition=${this.presetNames[0] ?? '<preset>'}).`));
    }
    const values: Partial<Record<(typeof NAMES)[number], string>> = {};
    for (const name of free) {
      const value = single(query, name);
      if (typeof value !== 'string') throw unprocessable(new ParameterProblem(name, 'repeated', `${name} must be given once.`));
      values[name] = value;
    }
    try {
      return CUSTOM_MARK + spelling(normalise(fromStrings(values), this.maxSide));
    } catch (problem) {
      throw problem instanceof ParameterProblem ? unprocessable(problem) : problem;
    }
  }

  /** `signUrl({ rendition })`: a preset name, or free parameters where allowed. */
  fromOption(value: unknown): string {
    const where = 'signUrl';
    if (typeof value === 'string') {
      if (!this.#presets.has(value)) throw new TypeError(`${where}: rendition ${JSON.stringify(value)} is not a preset; the presets are ${this.presetNames.join(', ') || '(none)'}.`);
      return value;
    }
    if (typeof value !== 'object' || value === null) throw new TypeError(`${where}: \`rendition\` must be a preset name or { width, height, fit, quality, format }.`);
    if (!this.custom) throw new TypeError(`${where}: free rendition parameters need imageRenditions({ custom: true }); name a preset instead (${this.presetNames.join(', ')}).`);
    const unknown = Object.keys(value).filter((key) => !(NAMES as readonly string[]).includes(key));
    if (unknown.length > 0) throw new TypeError(`${where}: unknown rendition option ${unknown.map((key) => `\`${key}\``).join(', ')}; it takes ${NAMES.join(', ')}.`);
    try {
      return CUSTOM_MARK + spelling(normalise(value as RenditionParameters, this.maxSide));
    } catch (problem) {
      if (problem instanceof ParameterProblem) throw new TypeError(`${where}: rendition ${problem.message}`);
      throw problem;
    }
  }
}
