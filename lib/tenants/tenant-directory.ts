import type { Request } from 'express';
import { DownloadError } from '../errors';
import type { Settings } from '../options/settings';
import { VerifiedTokens } from '../tokens/verified-tokens';
import { integerOption, rejectUnknownKeys } from '../options/validate';
import { TenantCache, type TenantCacheOptions } from './tenant-cache';
import { resolvedTenant, tenantDefaults, tenantSettings, type ResolvedTenant, type TenantConfig, type TenantDefaults, type TenantPolicy } from './tenant-config';

/** The host's resolver: `null` (or `undefined`) for an unknown tenant. */
export type TenantConfigHook = (tenant: string, req: Request | undefined) => TenantConfig | null | undefined | Promise<TenantConfig | null | undefined>;

/**
 * Every tenant's configuration as the host's `tenantConfig` gives it, cached
 * (`tenantCache`): one per `createDownloads`, shared by its routers, so
 * `forgetTenant` reaches all of them and a tenant costs one resolver call per
 * time-to-live whichever router asks.
 */
export class TenantDirectory {
  readonly #hook: TenantConfigHook;
  readonly #cache: TenantCache<ResolvedTenant>;
  /** Tokens verified by any tenant's keys: one bounded cache for all, not one per tenant. */
  readonly verifiedTokens = new VerifiedTokens(TENANT_VERIFIED_TOKENS);
  #routers = 0;

  constructor(where: string, hook: TenantConfigHook, options: unknown) {
    this.#hook = hook;
    this.#cache = new TenantCache(parseTenantCache(where, options));
  }

  /**
   * The tenant as resolved, `null` when unknown. What is cached is a copy of
   * the configuration taken when it was resolved: a host that changes its
   * object in place changes nothing until it calls `forgetTenant`.
   */
  resolved(tenant: string, req: Request | undefined): Promise<ResolvedTenant | null> {
    return this.#cache.get(tenant, async () => {
      const value: unknown = await this.#hook(tenant, req);
      if (value === null || value === undefined) return null;
      return resolvedTenant(typeof value === 'object' && !Array.isArray(value) ? { ...(value as TenantConfig) } : value);
    });
  }

  /** The cached tenant, synchronously: `undefined` when it must be resolved (see {@link TenantCache.peek}). */
  cached(tenant: string): ResolvedTenant | null | undefined {
    return this.#cache.peek(tenant);
  }

  forget(tenant: string): void {
    this.#cache.forget(tenant);
  }

  /** A slot of its own in every resolved tenant for a router's settings. */
  register(): number {
    return this.#routers++;
  }

  /** Tenants held in the cache now. */
  get size(): number {
    return this.#cache.size;
  }
}

/** The most tokens the tenants' signers remember as verified, all tenants together (as one signer's default). */
const TENANT_VERIFIED_TOKENS = 10_000;

function parseTenantCache(where: string, value: unknown): Required<TenantCacheOptions> {
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    throw new TypeError(`${where}: \`tenantCache\` must be { max?, ttlSeconds?, unknownTtlSeconds? }.`);
  }
  const options = (value ?? {}) as TenantCacheOptions;
  rejectUnknownKeys(`${where}: tenantCache`, options, ['max', 'ttlSeconds', 'unknownTtlSeconds']);
  return {
    max: integerOption(where, 'tenantCache.max', options.max, 10_000, 0, 10_000_000, 'tenants'),
    ttlSeconds: integerOption(where, 'tenantCache.ttlSeconds', options.ttlSeconds, 60, 0, 86_400),
    unknownTtlSeconds: integerOption(where, 'tenantCache.unknownTtlSeconds', options.unknownTtlSeconds, 10, 0, 86_400),
  };
}

/**
 * One router's view of the tenants: each resolved configuration laid over
 * this router's settings once, and kept with the tenant as long as its
 * configuration is cached.
 */
export class TenantOverlays {
  readonly #directory: TenantDirectory;
  readonly #defaults: TenantDefaults;
  /** Taken when this router first lays a tenant over its settings: routers that never do (start-up checks) hold none. */
  #slot: number | undefined;

  constructor(directory: TenantDirectory, base: Settings) {
    this.#directory = directory;
    this.#defaults = tenantDefaults(base, directory.verifiedTokens);
  }

  /** The tenant's settings; `null` for an unknown tenant. A cached tenant costs no await (the hot path). */
  resolve(tenant: string, req: Request | undefined): Settings | null | Promise<Settings | null> {
    const cached = this.#directory.cached(tenant);
    if (cached !== undefined) return this.#overlay(tenant, cached);
    return this.#directory.resolved(tenant, req).then((resolved) => this.#overlay(tenant, resolved));
  }

  #overlay(tenant: string, resolved: ResolvedTenant | null): Settings | null {
    if (resolved === null) return null;
    return (resolved.settings[(this.#slot ??= this.#directory.register())] ??= tenantSettings(this.#defaults, tenant, resolved));
  }
}

/** Suspended and gone tenants are refused with their own codes. */
export function checkTenantState(policy: TenantPolicy | undefined): void {
  if (policy?.state === 'suspended') throw new DownloadError('TENANT_SUSPENDED');
  if (policy?.state === 'gone') throw new DownloadError('TENANT_GONE');
}
