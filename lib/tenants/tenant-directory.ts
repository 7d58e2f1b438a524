import type { Request } from 'express';
import { DownloadError } from '../errors';
import type { Settings } from '../options/settings';
import type { Signer } from '../tokens/signer';
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
  readonly #signers = new WeakMap<TenantConfig, Signer>();

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

  /** The cached configuration, synchronously: `undefined` when it must be resolved (see {@link TenantCache.peek}). */
  cached(tenant: string): TenantConfig | null | undefined {
    return this.#cache.peek(tenant);
  }

  forget(tenant: string): void {
    this.#cache.forget(tenant);
  }

  /** The signer made from a configuration's keys, made once whichever router asks first. */
  signerOf(config: TenantConfig, make: () => Signer): Signer {
    let signer = this.#signers.get(config);
    if (signer === undefined) {
      signer = make();
      this.#signers.set(config, signer);
    }
    return signer;
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
    this.#defaults = tenantDefaults(base, (config, make) => directory.signerOf(config, make));
  }

  /** The tenant's settings; `null` for an unknown tenant. A cached tenant costs no await (the hot path). */
  resolve(tenant: string, req: Request | undefined): Settings | null | Promise<Settings | null> {
    const cached = this.#directory.cached(tenant);
    if (cached !== undefined) return this.#overlay(tenant, cached);
    return this.#directory.config(tenant, req).then((config) => this.#overlay(tenant, config));
  }

  #overlay(tenant: string, config: TenantConfig | null): Settings | null {
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
