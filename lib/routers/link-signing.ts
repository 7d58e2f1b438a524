import type { Settings } from '../options/settings';
import { integerOption } from '../options/validate';
import type { Disposition } from '../types';

/** `stableUrls`: cache-stable links whose expiry is rounded up to a bucket. */
export interface StableUrlsOptions {
  /** Bucket length in seconds (60 to 86400): every link issued for the same file in one bucket is the same URL. */
  bucketSeconds: number;
}

/** Checks `stableUrls` at start-up. ES256 signatures are randomized, so its tokens can never repeat. */
export function parseStableUrls(where: string, value: unknown, settings: Settings): StableUrlsOptions | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) throw new TypeError(`${where}: \`stableUrls\` must be { bucketSeconds }, e.g. { bucketSeconds: 300 }.`);
  const bucketSeconds = integerOption(where, 'stableUrls.bucketSeconds', (value as { bucketSeconds?: unknown }).bucketSeconds, 0, 60, 86_400);
  if (settings.signer?.algorithm === 'ES256') {
    throw new TypeError(`${where}: \`stableUrls\` needs an HS256 or EdDSA signing key: ES256 signatures are randomized, so no two tokens are the same.`);
  }
  return { bucketSeconds };
}

/** What a link binds. */
export interface LinkInput {
  fileId: string;
  tenant: string | undefined;
  /** Absent: the signed route's `disposition` option decides when the link is used. */
  disposition: Disposition | undefined;
  expiresIn: number;
  subject?: string | undefined;
  maxUses?: number | undefined;
  holder?: string | undefined;
}

/** A signed link: the URL with `token` and `expires`, and what the token says. */
export interface SignedLink {
  url: string;
  token: string;
  expires: number;
  jti: string;
  stable: boolean;
  expiresIn: number;
}

/**
 * Signs a link to the signed route. `url` is the absolute URL of
 * `<mount>/<fileId>/content` as the client will use it; `appPath` is the same
 * path as the app sees it (what the token is bound to unless a `scope` is set).
 */
export async function signLink(settings: Settings, url: URL, appPath: string, input: LinkInput, stable: StableUrlsOptions | undefined): Promise<SignedLink> {
  const { token, expires, jti, stable: isStable, expiresIn } = await settings.signer!.sign({
    fileId: input.fileId, tenant: input.tenant, disposition: input.disposition, expiresIn: input.expiresIn,
    scope: settings.scope ?? appPath, subject: input.subject, maxUses: input.maxUses, holder: input.holder,
    ...(stable === undefined ? {} : { bucketSeconds: stable.bucketSeconds, maxLifetime: settings.maxExpiresIn }),
  });
  const link = new URL(url.href);
  link.searchParams.set('token', token);
  link.searchParams.set('expires', String(expires));
  return { url: link.href, token, expires, jti, stable: isStable, expiresIn };
}
