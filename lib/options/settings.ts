import type { Request } from 'express';
import { ByteBudget } from '../http/byte-budget';
import { DEFAULT_INLINE_TYPES, inlineMatcher } from '../http/content-type';
import { sharedTransferBudget, TransferBudget } from '../http/transfer-budget';
import type { JsonMode } from '../http/types';
import type { StorageAdapter } from '../storage/types';
import type { Signer } from '../tokens/signer';
import type { Disposition, FileRecord } from '../types';
import type { MaybePromise, SharedOptions } from './types';
import { TenantDirectory, TenantOverlays } from '../tenants/tenant-directory';
import type { TenantPolicy } from '../tenants/tenant-config';
import { checkArchiveStore } from '../archives/archive-store';
import { integerOption, optionalFunction, rejectUnknownKeys, requiredFunction } from './validate';

/** The keys of {@link SharedOptions}, for unknown-key checks. */
export const SHARED_KEYS = [
  'findFile', 'storage', 'authorize', 'authenticate', 'tenant', 'fileId', 'signer', 'expiresIn', 'maxExpiresIn',
  'disposition', 'inlineTypes', 'headers', 'json', 'formatError', 'onEvent', 'scope', 'memoryBudget', 'errors', 'subject',
  'linksValidAfter', 'isRevoked', 'useStore', 'bindTo', 'findFiles', 'tenantConfig', 'tenantCache', 'renditions', 'archiveStore',
] as const;

/** S3 refuses presigned URLs that live longer than this, and no token should outlive it either. */
const ABSOLUTE_MAX_EXPIRES_IN = 7 * 24 * 3600;

/** Shared options after validation and defaults: what the routers run on. */
export interface Settings extends Omit<SharedOptions, 'fileId' | 'disposition' | 'inlineTypes' | 'maxExpiresIn' | 'json' | 'memoryBudget'> {
  where: string;
  fileId: (req: Request) => unknown;
  maxExpiresIn: number;
  disposition: (file: FileRecord, req: Request) => MaybePromise<Disposition>;
  isInlineSafe: (essence: string) => boolean;
  json: false | JsonMode;
  budget: TransferBudget;
  /** Tenants' own configurations (`tenantConfig`), laid over these settings per request. */
  tenants: TenantOverlays | undefined;
  /**
   * Set on a tenant's settings: what its configuration says beyond the shared
   * fields. Present (undefined) on every settings object, so a tenant's copy
   * only stores it: adding a property to a spread copy gives each copy a
   * hidden class of its own, ten thousand of them with ten thousand tenants.
   */
  tenantPolicy: TenantPolicy | undefined;
}

/** Options of other factories that people pass to the routers: where each belongs. */
const MISPLACED_OPTIONS: Readonly<Record<string, string>> = {
  secret: 'The secret belongs to the signer: pass `signer: createSigner({ secret })`.',
  keys: 'Keys belong to the signer: pass `signer: createSigner({ keys })`.',
  jwks: 'A JWK Set belongs to the signer: pass `signer: createSigner({ jwks })`.',
  root: 'The directory belongs to the storage: pass `storage: fsStorage({ root })`.',
  bucket: 'The bucket belongs to the storage: pass `storage: s3Storage({ client, bucket })`.',
  // Each router's own options, passed to another one: links get their limits when they are issued.
  ...Object.fromEntries(['maxUses', 'maxUsesParam', 'publicBaseUrl', 'allowedHosts', 'stableUrls'].map((key) => [key,
    `It belongs to the routers that issue links (issueDownloadUrl, issueDownloadUrls; signUrl takes maxUses and stableUrls): a link carries its limits, and serveSignedDownload enforces them (use counts through the shared \`useStore\`).`])),
  ...Object.fromEntries(['maxBatch', 'fileIds'].map((key) => [key, 'It belongs to issueDownloadUrls.'])),
  ...Object.fromEntries(['graceSeconds', 'sharedCache'].map((key) => [key, 'It belongs to serveSignedDownload.'])),
};

/** Carries the `createDownloads` tenant directory to its routers, so they share one cache. */
export const TENANT_DIRECTORY = Symbol('tenantDirectory');

/** What a router demands beyond the shared options, and what it has no use for. */
export interface Requirements {
  authorize: boolean;
  signer: boolean;
  /** Shared options this router never calls (the signed route does not authenticate): a mistake when passed to it directly. */
  unused?: readonly (keyof SharedOptions)[];
}

/** Marks the options `createDownloads` bound, so a router can tell them from its own. */
export const BOUND_KEYS = Symbol('boundKeys');

const WHY_UNUSED: Partial<Record<keyof SharedOptions, string>> = {
  authorize: 'the signed URL is the credential: authorize ran when the URL was issued',
  authenticate: 'the signed URL is the credential: no caller is authenticated when it is fetched',
  subject: 'the subject is put in tokens when they are issued',
  linksValidAfter: 'links are checked against it on the signed route (serveSignedDownload)',
  isRevoked: 'links are checked against it on the signed route (serveSignedDownload)',
  useStore: 'uses are counted for signed links (issueDownloadUrl and serveSignedDownload)',
  bindTo: 'links are bound when issued and checked on the signed route',
  findFiles: 'only issueDownloadUrls looks up many files at once',
};

function rejectUnused(where: string, options: SharedOptions, unused: readonly (keyof SharedOptions)[] | undefined): void {
  const bound = (options as { [BOUND_KEYS]?: string[] })[BOUND_KEYS] ?? [];
  for (const name of unused ?? []) {
    if (options[name] !== undefined && !bound.includes(name)) {
      throw new TypeError(`${where}: \`${name}\` is not used here (${WHY_UNUSED[name] ?? 'this router never calls it'}). Remove it, or set it in createDownloads where the other routers use it.`);
    }
  }
}

/** Options that concern signed links only: a mistake on the authenticated and redirect routers. */
export const LINK_ONLY: readonly (keyof SharedOptions)[] = ['linksValidAfter', 'isRevoked', 'useStore', 'bindTo', 'findFiles'];

const defaultFileId = (req: Request): unknown => req.params.fileId;

export function checkStorage(where: string, storage: unknown): asserts storage is StorageAdapter {
  if (storage === undefined || storage === null) {
    throw new TypeError(`${where}: \`storage\` is required: pass a storage adapter such as fsStorage({ root }) or memoryStorage().`);
  }
  const adapter = storage as Partial<StorageAdapter>;
  const opens = typeof adapter.open === 'function';
  const legacy = typeof adapter.stat === 'function' && typeof adapter.read === 'function';
  if (typeof adapter !== 'object' || (!opens && !legacy)) {
    const has = typeof adapter === 'object' ? Object.keys(adapter).filter((name) => typeof (adapter as Record<string, unknown>)[name] === 'function') : [];
    throw new TypeError(
      `${where}: \`storage\` must implement open(key, options), or both stat(key) and read(key, range); it has ${has.length === 0 ? 'no methods' : has.join(', ')}. ` +
        'Use fsStorage({ root }), memoryStorage() or s3Storage(), or see "Writing a storage adapter" in the README.',
    );
  }
}

function parseBudget(where: string, value: unknown): TransferBudget {
  if (value === undefined) return sharedTransferBudget;
  return new TransferBudget(integerOption(where, 'memoryBudget', value, 0, 1024 * 1024, Number.MAX_SAFE_INTEGER, 'bytes'));
}

export function checkSigner(where: string, signer: unknown, required: boolean): asserts signer is Signer | undefined {
  if (signer === undefined && !required) return;
  const candidate = signer as Partial<Signer> | undefined;
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.sign !== 'function' || typeof candidate.verify !== 'function') {
    if (signer === undefined) throw new TypeError(`${where}: \`signer\` is required: pass createSigner({ secret }) with a secret of at least 32 bytes.`);
    throw new TypeError(`${where}: \`signer\` must be made by createSigner: pass signer: createSigner({ secret }), not the options object itself.`);
  }
}

function parseDisposition(where: string, value: SharedOptions['disposition']): Settings['disposition'] {
  if (typeof value === 'function') return value;
  const fixed = value ?? 'inline';
  if (fixed !== 'inline' && fixed !== 'attachment') {
    throw new TypeError(`${where}: \`disposition\` must be 'inline', 'attachment' or (file, req) => one of them.`);
  }
  return () => fixed;
}

export function parseInlineTypes(where: string, value: unknown): (essence: string) => boolean {
  if (value === undefined) return inlineMatcher(DEFAULT_INLINE_TYPES);
  if (!Array.isArray(value) || value.some((type) => typeof type !== 'string' || !type.includes('/'))) {
    throw new TypeError(`${where}: \`inlineTypes\` must be an array of content types such as 'image/png' or 'video/*'.`);
  }
  return inlineMatcher(value);
}

function checkUseStore(where: string, store: unknown): void {
  if (store === undefined) return;
  const { consume, uses } = (store ?? {}) as { consume?: unknown; uses?: unknown };
  if (typeof store !== 'object' || typeof consume !== 'function' || typeof uses !== 'function') {
    throw new TypeError(`${where}: \`useStore\` must have consume(jti, maxUses, expiresAt) and uses(jti): use memoryUseStore(), or redisUseStore({ client }) from 'express-signed-downloads/redis'.`);
  }
}

function checkRenditions(where: string, renditions: unknown): void {
  if (renditions === undefined) return;
  const { fromQuery, fromOption, variant } = (renditions ?? {}) as Record<string, unknown>;
  if (typeof renditions !== 'object' || typeof fromQuery !== 'function' || typeof fromOption !== 'function' || typeof variant !== 'function') {
    throw new TypeError(`${where}: \`renditions\` must be made by imageRenditions({ presets }) from 'express-signed-downloads/images'.`);
  }
}

/** Default bytes of files held for JSON encoding at once, per router (unless one file may be larger). */
const DEFAULT_JSON_BUFFER = 8 * 1024 * 1024;

function parseJson(where: string, value: unknown): false | JsonMode {
  if (value === undefined || value === false) return false;
  const { maxBytes, maxBufferedBytes } = (value ?? {}) as { maxBytes?: unknown; maxBufferedBytes?: unknown };
  if (typeof maxBytes !== 'number' || !Number.isInteger(maxBytes) || maxBytes <= 0) {
    throw new TypeError(`${where}: \`json\` must be false or { maxBytes } with a positive integer (base64 answers are held in memory).`);
  }
  rejectUnknownKeys(`${where}: json`, value as object, ['maxBytes', 'maxBufferedBytes']);
  const buffered = integerOption(where, 'json.maxBufferedBytes', maxBufferedBytes, Math.max(maxBytes, DEFAULT_JSON_BUFFER), maxBytes, Number.MAX_SAFE_INTEGER, 'bytes');
  return { maxBytes, budget: new ByteBudget(buffered) };
}

function parseScope(where: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > 256 || value.startsWith('/')) {
    throw new TypeError(`${where}: \`scope\` must be a name of 1 to 256 characters not starting with '/' (paths are what routers bind by default), e.g. 'documents'.`);
  }
  return value;
}

/**
 * Validates a router's options once, at start-up, and applies defaults.
 * `routerKeys` are the options that router accepts on top of the shared ones.
 */
export function parseSettings<Principal, File extends FileRecord>(
  where: string, typed: SharedOptions<Principal, File>, routerKeys: readonly string[], needs: Requirements,
): Settings {
  // Inside, hooks are called with what the request produced; their types are the host's promise to itself.
  const options = typed as unknown as SharedOptions;
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: pass an options object with at least findFile and storage.`);
  rejectUnknownKeys(where, options, [...SHARED_KEYS, ...routerKeys], MISPLACED_OPTIONS);
  rejectUnused(where, options, needs.unused);
  requiredFunction(where, 'findFile', options.findFile, 'Pass (fileId, req) => FileRecord | null (may be async).');
  checkStorage(where, options.storage);
  if (needs.authorize && options.authorize !== undefined) optionalFunction(where, 'authorize', options.authorize);
  if (needs.authorize) {
    requiredFunction(
      where, 'authorize', options.authorize,
      'Pass (req, file, principal) => boolean that checks the caller may have the file, or () => true to allow every caller explicitly.',
    );
  }
  for (const name of ['authorize', 'authenticate', 'tenant', 'fileId', 'headers', 'formatError', 'onEvent', 'subject', 'linksValidAfter', 'isRevoked', 'bindTo', 'findFiles', 'tenantConfig'] as const) {
    optionalFunction(where, name, options[name]);
  }
  if (options.errors !== undefined && options.errors !== 'respond' && options.errors !== 'next') {
    throw new TypeError(`${where}: \`errors\` must be 'respond' (the router answers) or 'next' (it calls next(error) for your error middleware).`);
  }
  checkSigner(where, options.signer, needs.signer);
  checkUseStore(where, options.useStore);
  checkRenditions(where, options.renditions);
  checkArchiveStore(where, options.archiveStore);
  const maxExpiresIn = integerOption(where, 'maxExpiresIn', options.maxExpiresIn, 86400, 1, ABSOLUTE_MAX_EXPIRES_IN);
  if (options.expiresIn !== undefined) integerOption(where, 'expiresIn', options.expiresIn, 0, 1, maxExpiresIn);
  const settings: Settings = {
    ...options,
    where,
    fileId: options.fileId ?? defaultFileId,
    maxExpiresIn,
    disposition: parseDisposition(where, options.disposition),
    isInlineSafe: parseInlineTypes(where, options.inlineTypes),
    json: parseJson(where, options.json),
    scope: parseScope(where, options.scope),
    budget: parseBudget(where, options.memoryBudget),
    tenants: undefined,
    tenantPolicy: undefined,
  };
  settings.tenants = tenantOverlays(where, options, settings);
  return settings;
}

function tenantOverlays(where: string, options: SharedOptions, settings: Settings): TenantOverlays | undefined {
  if (options.tenantConfig === undefined) {
    if (options.tenantCache !== undefined) throw new TypeError(`${where}: \`tenantCache\` is for \`tenantConfig\`; pass both, or neither.`);
    return undefined;
  }
  if (options.tenant === undefined) {
    throw new TypeError(`${where}: \`tenantConfig\` needs a \`tenant\` hook that names the request's tenant, e.g. tenant: (req) => req.params.orgId.`);
  }
  const directory = (options as { [TENANT_DIRECTORY]?: TenantDirectory })[TENANT_DIRECTORY] ?? new TenantDirectory(where, options.tenantConfig, options.tenantCache);
  return new TenantOverlays(directory, settings);
}

/** Throws unless `path` is a route path Express 4 and 5 both accept. */
export function parsePath(where: string, path: unknown, fallback: string, idFromPath: boolean): string {
  const resolved = path ?? fallback;
  if (typeof resolved !== 'string' || !resolved.startsWith('/')) {
    throw new TypeError(`${where}: \`path\` must be a string starting with '/', e.g. '${fallback}'.`);
  }
  // Without a fileId hook the id is req.params.fileId: a path without that parameter would find no file.
  if (idFromPath && !/:fileId(?![A-Za-z0-9_])/.test(resolved)) {
    throw new TypeError(`${where}: \`path\` ${JSON.stringify(resolved)} has no :fileId parameter. Add one (e.g. '${fallback}'), or pass fileId: (req) => … to read the id elsewhere.`);
  }
  return resolved;
}
