import type { Request } from 'express';
import { DownloadError } from '../errors';
import type { Settings } from '../options/settings';
import { integerOption, rejectUnknownKeys } from '../options/validate';
import { TenantCache, type TenantCacheOptions } from './tenant-cache';
import { tenantDefaults, tenantSettings, type TenantConfig, type TenantDefaults, type TenantPolicy } from './tenant-config';

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
  readonly #cache: TenantCache<TenantConfig>;

  constructor(where: string, hook: TenantConfigHook, options: unknown) {
    this.#hook = hook;
    this.#cache = new TenantCache(parseTenantCache(where, options));
  }

  /**
   * The tenant's configuration, `null` when unknown. What is cached is a
   * copy taken when it was resolved: a host that changes its object in place
   * changes nothing until it calls `forgetTenant`.
   */
  config(tenant: string, req: Request | undefined): Promise<TenantConfig | null> {
    return this.#cache.get(tenant, async () => {
      const value: unknown = await this.#hook(tenant, req);
      if (value === null || value === undefined) return null;
      return typeof value === 'object' && !Array.isArray(value) ? { ...(value as TenantConfig) } : (value as TenantConfig);
    });
  }

  forget(tenant: string): void {
    this.#cache.forget(tenant);
  }

  /** Tenants held in the cache now. */
  get size(): number {
    return this.#cache.size;
  }
}

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
 * this router's settings once, and kept as long as the configuration is.
 */
export class TenantOverlays {
  readonly #directory: TenantDirectory;
  readonly #defaults: TenantDefaults;
  readonly #built = new WeakMap<TenantConfig, Settings>();

  constructor(directory: TenantDirectory, base: Settings) {
    this.#directory = directory;
    this.#defaults = tenantDefaults(base);
  }

  /** The tenant's settings; `null` for an unknown tenant. */
  async resolve(tenant: string, req: Request | undefined): Promise<Settings | null> {
    const config = await this.#directory.config(tenant, req);
    if (config === null) return null;
    let built = this.#built.get(config);
    if (built === undefined) {
      built = tenantSettings(this.#defaults, tenant, config);
      this.#built.set(config, built);
    }
    return built;
  }
}

/** Suspended and gone tenants are refused with their own codes. */
export function checkTenantState(policy: TenantPolicy | undefined): void {
  if (policy?.state === 'suspended') throw new DownloadError('TENANT_SUSPENDED');
  if (policy?.state === 'gone') throw new DownloadError('TENANT_GONE');
}
