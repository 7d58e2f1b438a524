import { createHash } from 'node:crypto';
import { DownloadError } from '../errors';
import { recordedType, resolveContentType } from '../http/content-type';
import { downloadFilename } from '../http/disposition';
import { openObject, readRange } from '../http/open-object';
import type { RenditionSource, RenditionVariant } from '../renditions/types';
import type { OpenOptions, StorageAdapter, StoredObject } from '../storage/types';
import type { FileRecord } from '../types';
import { chooseFormat, outputExtension, outputType, sourceFormat, type OutputFormat } from './formats';
import type { SharpFactory } from './load-sharp';
import type { RenditionCatalogue, Rendering } from './parameters';
import { render, type RenderLimits } from './render';
import type { RenderQueue } from './render-queue';
import type { VariantStore } from './variant-stores';

/** Everything one `imageRenditions` renders with. */
export interface VariantSettings {
  sharp: SharpFactory;
  catalogue: RenditionCatalogue;
  store: VariantStore;
  queue: RenderQueue;
  limits: RenderLimits;
  /** Bytes of a source read for rendering, at most. */
  maxInputBytes: number;
  autoFormats: readonly ('avif' | 'webp')[];
}

/**
 * What one variant is: its key in the store, its validator, how it is made,
 * and the one-object storage it is served from. Worked out once per source
 * version, rendition and format, then reused: a stored variant's hit costs a
 * map lookup, not a digest.
 */
interface Variant {
  storeKey: string;
  etag: string;
  lastModified: Date | undefined;
  contentType: string;
  format: OutputFormat;
  rendering: Rendering;
  /** The first request's source: later ones name the same object in the same version. */
  source: RenditionSource;
  /** The source's version the variant is made from: a source changed before the render is not stored under it. */
  version: string | undefined;
  storage: StorageAdapter;
  /** The last answer made, and the record's filename it was made for: reused while that stays the same. */
  answer: { filename: string | undefined; variant: RenditionVariant } | undefined;
}

/** Variants worked out, at most: about 600 bytes each. */
const KNOWN_VARIANTS = 4096;

/** What a variant depends on in its source: its type, its version, and its time for `Last-Modified`. */
interface SourceState {
  essence: string;
  version: string | undefined;
  lastModified: Date | undefined;
}

/** The version a record states (its `etag` and `lastModified`), if it states one. */
function recordedVersion(file: FileRecord): string | undefined {
  return file.etag === undefined && file.lastModified === undefined ? undefined : `${file.etag ?? ''}|${file.lastModified?.getTime() ?? ''}`;
}

/** The source's version: the record's where it states one, else the store's ETag, else size and time. */
function versionOf(file: FileRecord, object: StoredObject): string | undefined {
  const recorded = recordedVersion(file);
  if (recorded !== undefined) return recorded;
  if (object.etag !== undefined) return object.etag;
  return object.lastModified === undefined ? undefined : `${object.size}-${object.lastModified.getTime()}`;
}

/**
 * The source's state. A record that states its type and version is believed
 * without a storage trip (a stored variant's hit then costs no lookup of the
 * source, as a database row with `updated_at` allows); otherwise the source
 * is looked up, not read.
 */
async function sourceState({ file, key, storage }: RenditionSource): Promise<SourceState> {
  const recorded = recordedType(file);
  const version = recordedVersion(file);
  if (recorded !== undefined && version !== undefined) return { essence: recorded.essence, version, lastModified: file.lastModified };
  const object = await openObject(storage, key, { body: false }, {});
  if (object === null) throw new DownloadError('FILE_NOT_FOUND', undefined, { cause: new Error(`storage has no object ${key}`) });
  object.close();
  return { essence: resolveContentType(file, key, object.contentType).essence, version: versionOf(file, object), lastModified: object.lastModified };
}

/** `photo.jpg` → `photo.webp`. */
function renamed(name: string | undefined, format: OutputFormat): string | undefined {
  if (name === undefined) return undefined;
  const dot = name.lastIndexOf('.');
  return (dot > 0 ? name.slice(0, dot) : name) + outputExtension(format);
}

/**
 * Makes and finds the variants of one `imageRenditions`: each is rendered
 * once (concurrent first requests share the render), kept in the variant
 * store, and served from it with the file semantics of any stored object.
 */
export class VariantSource {
  /** Renders in flight or being stored, by store key: a second request for one joins the first. */
  readonly #inFlight = new Map<string, Promise<Buffer>>();

  constructor(private readonly settings: VariantSettings) {}

  /** Variants worked out, by source, version, rendition and format (oldest first out). */
  readonly #known = new Map<string, Variant>();

  async variant(source: RenditionSource): Promise<RenditionVariant> {
    const rendering = this.settings.catalogue.rendering(source.rendition);
    // A link to a preset the app no longer has: there is no such image to serve.
    if (rendering === undefined) throw new DownloadError('FILE_NOT_FOUND', undefined, { cause: new Error(`no rendition ${JSON.stringify(source.rendition)} is configured`) });
    const { essence: type, version, lastModified } = await sourceState(source);
    const from = sourceFormat(type);
    if (from === undefined) throw new DownloadError('IMAGE_UNSUPPORTED', undefined, { cause: new Error(`${type} is not rendered`), details: { reason: 'type', type } });
    const format = chooseFormat(rendering.format, from, source.accept, this.settings.autoFormats);
    const known = JSON.stringify([source.tenant ?? null, source.key, version ?? null, source.rendition, format]);
    let variant = this.#known.get(known);
    if (variant === undefined) {
      variant = this.#described(source, rendering, format, version, lastModified);
      this.#known.set(known, variant);
      if (this.#known.size > KNOWN_VARIANTS) this.#known.delete(this.#known.keys().next().value!);
    }
    // The download name is worked out once per record filename, not on every hit.
    const { filename } = source.file;
    if (variant.answer === undefined || variant.answer.filename !== filename) {
      variant.answer = {
        filename,
        variant: {
          storage: variant.storage, key: variant.storeKey, contentType: variant.contentType,
          filename: renamed(downloadFilename(filename, source.key), format), varies: rendering.format === 'auto',
        },
      };
    }
    return variant.answer.variant;
  }

  #described(source: RenditionSource, rendering: Rendering, format: OutputFormat, version: string | undefined, lastModified: Date | undefined): Variant {
    // Keyed by what the rendering is, not by its name: two presets alike share their variants.
    const digest = createHash('sha256')
      .update(JSON.stringify([source.tenant ?? null, source.key, version ?? null, rendering.width ?? null, rendering.height ?? null, rendering.fit, rendering.quality, format]))
      .digest('base64url')
      .slice(0, 32);
    const variant: Variant = {
      storeKey: `${digest.slice(0, 2)}/${digest}${outputExtension(format)}`,
      etag: `"r-${digest}"`,
      lastModified,
      contentType: outputType(format),
      format,
      rendering,
      source,
      version,
      storage: { open: (_key, options) => this.#open(variant, options) },
      answer: undefined,
    };
    return variant;
  }

  /** The variant as the one object of its storage: from the store, else rendered now. */
  async #open(variant: Variant, options: OpenOptions): Promise<StoredObject> {
    // The store's own validators are not the variant's: it is asked for bytes only.
    const stored = await this.#stored(variant, { body: options.body, range: options.range });
    const described = { etag: variant.etag, lastModified: variant.lastModified, contentType: variant.contentType };
    if (stored !== null) return Object.assign(stored, described);
    const bytes = await this.#rendered(variant);
    return { size: bytes.length, body: bytes, ...described, close: () => undefined };
  }

  async #stored(variant: Variant, options: OpenOptions): Promise<StoredObject | null> {
    if (variant.version === undefined || this.#inFlight.has(variant.storeKey)) return null;
    try {
      return await this.settings.store.open(variant.storeKey, options);
    } catch {
      // A store that fails costs a render, never an answer.
      return null;
    }
  }

  #rendered(variant: Variant): Promise<Buffer> {
    const known = this.#inFlight.get(variant.storeKey);
    if (known !== undefined) return known;
    const rendering = this.settings.queue.run(variant.source.tenant, () => this.#render(variant));
    const shared = rendering.then(
      ({ bytes, version }) => {
        // Stored under the version it was made from only; until stored, later requests join this one.
        const stored = variant.version !== undefined && version === variant.version ? this.settings.store.save(variant.storeKey, bytes, variant.contentType).catch(() => undefined) : Promise.resolve();
        void stored.finally(() => this.#inFlight.delete(variant.storeKey));
        return bytes;
      },
      (error: unknown) => {
        this.#inFlight.delete(variant.storeKey);
        throw error;
      },
    );
    this.#inFlight.set(variant.storeKey, shared);
    return shared;
  }

  /** Reads the whole source (within `maxInputBytes`) and renders it. */
  async #render(variant: Variant): Promise<{ bytes: Buffer; version: string | undefined }> {
    const { source } = variant;
    const object = await openObject(source.storage, source.key, { body: true }, {});
    if (object === null) throw new DownloadError('FILE_NOT_FOUND', undefined, { cause: new Error(`storage has no object ${source.key}`) });
    let input: Buffer;
    try {
      if (object.size === 0) throw new DownloadError('IMAGE_INVALID', undefined, { cause: new Error('the source is empty'), details: { reason: 'undecodable' } });
      if (object.size > this.settings.maxInputBytes) {
        throw new DownloadError('IMAGE_INVALID', 'This image is too large to be rendered.', { cause: new Error(`${object.size} bytes, more than ${this.settings.maxInputBytes}`), details: { reason: 'too_large' } });
      }
      input = await readRange(object, { start: 0, end: object.size - 1 });
    } finally {
      object.close();
    }
    const bytes = await render(this.settings.sharp, input, variant.rendering, variant.format, this.settings.limits);
    return { bytes, version: versionOf(source.file, object) };
  }
}
