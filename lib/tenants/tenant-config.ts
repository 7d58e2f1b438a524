import { ByteBudget } from '../http/byte-budget';
import type { JsonMode } from '../http/types';
import { checkSigner, checkStorage, parseInlineTypes, type Settings } from '../options/settings';
import { integerOption, rejectUnknownKeys } from '../options/validate';
import type { StorageAdapter } from '../storage/types';
import type { KeyConfig } from '../tokens/keys';
import { MAX_USES_LIMIT } from '../tokens/claims';
import { signerWithCache, type Signer } from '../tokens/signer';
import type { VerifiedTokens } from '../tokens/verified-tokens';
import { wrongDescribed } from '../routers/hook-result';

/** A tenant's state: `suspended` refuses with 403 `TENANT_SUSPENDED`, `gone` with 410 `TENANT_GONE`. */
export type TenantState = 'active' | 'suspended' | 'gone';

/**
 * What `tenantConfig(tenant, req)` returns for a tenant: its own storage,
 * keys and policy. Anything it leaves out falls back to the shared options.
 */
export interface TenantConfig {
  /** Where this tenant's bytes live (its own bucket, region or directory). */
  storage?: StorageAdapter | undefined;
  /**
   * This tenant's signing keys, as `createSigner({ keys })` takes them: the
   * first signs, all verify; public keys alone make a verify-only tenant.
   * Its links verify with these keys only.
   */
  keys?: KeyConfig[] | undefined;
  /** Or a whole signer of the tenant's (not with `keys`). */
  signer?: Signer | undefined;
  /** Longest link or presign lifetime for this tenant, seconds (it may exceed the shared `maxExpiresIn`: a plan may allow more; at most 7 days). */
  maxExpiresIn?: number | undefined;
  /** Default lifetime of this tenant's links, seconds. */
  expiresIn?: number | undefined;
  /** Use limit for this tenant's links when the router and the request set none. */
  maxUses?: number | undefined;
  /** JSON mode for this tenant: `false` or `{ maxBytes }` (the shared budget of encoded bytes still applies). */
  json?: false | { maxBytes: number } | undefined;
  /** Content types this tenant's files may be served inline. */
  inlineTypes?: readonly string[] | undefined;
  /** This tenant's links issued before this time are refused (401), as the shared `linksValidAfter` hook does. */
  linksValidAfter?: Date | undefined;
  /** Default `'active'`. */
  state?: TenantState | undefined;
}

/** What a tenant's configuration sets beyond the shared options' fields. */
export interface TenantPolicy {
  tenant: string;
  state: TenantState;
  /** The tenant's default use limit, when it sets one. */
  maxUses: number | undefined;
  /** The tenant's own cut-off, when it sets one. */
  linksValidAfter: Date | undefined;
}

const KEYS: readonly (keyof TenantConfig)[] = ['storage', 'keys', 'signer', 'maxExpiresIn', 'expiresIn', 'maxUses', 'json', 'inlineTypes', 'linksValidAfter', 'state'];

/** The most bytes a tenant's JSON answers share, when the shared options leave JSON mode off. */
const TENANT_JSON_BUFFER = 8 * 1024 * 1024;

/**
 * A tenant as the directory keeps it: the host's configuration (a copy) and
 * what is made of it once, its signer for every router and each router's
 * settings in the router's slot. Plain fields, not weak maps: ten thousand
 * of them are kept at once, and weak maps cost every garbage collection.
 */
export interface ResolvedTenant {
  readonly config: unknown;
  signer: Signer | undefined;
  readonly settings: (Settings | undefined)[];
}

export function resolvedTenant(config: unknown): ResolvedTenant {
  // Room for three routers' settings (issue, signed, authenticated): an empty array would grow to seventeen slots.
  return { config, signer: undefined, settings: [undefined, undefined, undefined] };
}

/** Everything a tenant's overlay shares across tenants: built once per router. */
export interface TenantDefaults {
  base: Settings;
  /** The JSON budget tenants share when the base has none. */
  jsonBudget: ByteBudget;
  /** Tokens verified by the tenants' own keys, remembered for all tenants together. */
  verifiedTokens: VerifiedTokens;
}

export function tenantDefaults(base: Settings, verifiedTokens: VerifiedTokens): TenantDefaults {
  return { base, verifiedTokens, jsonBudget: base.json === false ? new ByteBudget(TENANT_JSON_BUFFER) : (base.json.budget as ByteBudget) };
}

function parseTenantJson(where: string, value: unknown, budget: JsonMode['budget']): false | JsonMode {
  if (value === false) return false;
  const { maxBytes } = (value ?? {}) as { maxBytes?: unknown };
  if (typeof value !== 'object' || value === null || typeof maxBytes !== 'number' || !Number.isInteger(maxBytes) || maxBytes <= 0) {
    throw new TypeError(`${where}: \`json\` must be false or { maxBytes } with a positive integer.`);
  }
  rejectUnknownKeys(`${where}: json`, value, ['maxBytes']);
  return { maxBytes, budget };
}

/**
 * Checks what `tenantConfig` returned for `tenant` and lays it over the
 * shared settings. A wrong configuration is the host's bug: 500
 * `INTERNAL_ERROR` whose cause says which field and how to fix it.
 */
export function tenantSettings(defaults: TenantDefaults, tenant: string, resolved: ResolvedTenant): Settings {
  const where = `tenantConfig(${JSON.stringify(tenant)})`;
  try {
    return overlay(defaults, tenant, where, resolved);
  } catch (error) {
    throw wrongDescribed(where, error instanceof Error ? error.message : String(error), 'a TenantConfig object, or null for an unknown tenant');
  }
}

function overlay({ base, jsonBudget, verifiedTokens }: TenantDefaults, tenant: string, where: string, resolved: ResolvedTenant): Settings {
  const value = resolved.config;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${where}: not an object`);
  const config = value as TenantConfig;
  rejectUnknownKeys(where, config, KEYS);
  const state = config.state ?? 'active';
  if (state !== 'active' && state !== 'suspended' && state !== 'gone') throw new TypeError(`${where}: \`state\` must be 'active', 'suspended' or 'gone'.`);
  const settings: Settings = { ...base };
  if (config.storage !== undefined) {
    checkStorage(where, config.storage);
    settings.storage = config.storage;
  }
  if (config.keys !== undefined && config.signer !== undefined) throw new TypeError(`${where}: give \`keys\` or \`signer\`, not both.`);
  if (config.keys !== undefined) {
    // Made once for every router; the tokens it verifies are remembered in the directory's one cache,
    // so ten thousand tenants do not each hold a cache of their own.
    resolved.signer ??= signerWithCache({ keys: config.keys, clockTolerance: base.signer?.clockTolerance ?? 5 }, verifiedTokens);
    settings.signer = resolved.signer;
  } else if (config.signer !== undefined) {
    checkSigner(where, config.signer, true);
    settings.signer = config.signer;
  }
  if (config.maxExpiresIn !== undefined) settings.maxExpiresIn = integerOption(where, 'maxExpiresIn', config.maxExpiresIn, 0, 1, 7 * 24 * 3600);
  if (config.expiresIn !== undefined) settings.expiresIn = integerOption(where, 'expiresIn', config.expiresIn, 0, 1, settings.maxExpiresIn);
  const maxUses = config.maxUses === undefined ? undefined : integerOption(where, 'maxUses', config.maxUses, 0, 1, MAX_USES_LIMIT, 'uses');
  if (maxUses !== undefined && settings.useStore === undefined) throw new TypeError(`${where}: \`maxUses\` needs a \`useStore\` in the shared options.`);
  if (config.json !== undefined) settings.json = parseTenantJson(where, config.json, jsonBudget);
  if (config.inlineTypes !== undefined) settings.isInlineSafe = parseInlineTypes(where, config.inlineTypes);
  const cutoff = config.linksValidAfter;
  if (cutoff !== undefined && !(cutoff instanceof Date && !Number.isNaN(cutoff.getTime()))) throw new TypeError(`${where}: \`linksValidAfter\` must be a valid Date.`);
  settings.tenantPolicy = { tenant, state, maxUses, linksValidAfter: cutoff };
  return settings;
}
