import { DownloadError } from '../errors';
import type { Settings } from '../options/settings';
import { integerOption } from '../options/validate';
import { MAX_TOKEN_LENGTH } from '../tokens/compact';
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
  /** The image rendition the link serves (canonical, from the `renditions` option). */
  rendition?: string | undefined;
  /** An archive link: `fileId` is its manifest's digest. */
  archive?: boolean | undefined;
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
    scope: settings.scope ?? appPath, subject: input.subject, maxUses: input.maxUses, holder: input.holder, rendition: input.rendition, archive: input.archive,
    ...(stable === undefined ? {} : { bucketSeconds: stable.bucketSeconds, maxLifetime: settings.maxExpiresIn }),
  });
  const link = new URL(url.href);
  link.searchParams.set('token', token);
  link.searchParams.set('expires', String(expires));
  // A link the signed route or a proxy would refuse is never handed out: refused here, clearly.
  if (token.length > MAX_TOKEN_LENGTH || link.href.length > MAX_LINK_LENGTH) {
    throw new DownloadError('VALIDATION_ERROR', 'This file id is too long to be carried by a download link.', {
      details: { parameter: 'file_id', reason: 'too_long_for_link', maxLinkLength: MAX_LINK_LENGTH },
      cause: new Error(`token of ${token.length} characters (at most ${MAX_TOKEN_LENGTH}), URL of ${link.href.length} (at most ${MAX_LINK_LENGTH})`),
    });
  }
  return { url: link.href, token, expires, jti, stable: isStable, expiresIn };
}

/**
 * A file id as a segment of the signed route's path. `.` and `..` (escaped
 * or not) are segments every client and proxy removes, so no link can name
 * such an id there: refused when issuing.
 */
export function fileIdSegment(fileId: string): string {
  if (fileId === '.' || fileId === '..') {
    throw new DownloadError('VALIDATION_ERROR', 'The file ids "." and ".." cannot be part of a download URL.', { details: { parameter: 'file_id', reason: 'dot_segment' } });
  }
  return encodeURIComponent(fileId);
}

/**
 * The longest link issued: 8 KiB, the request line nginx accepts by default
 * (`large_client_header_buffers 4 8k`); Node itself takes 16 KiB of headers.
 */
export const MAX_LINK_LENGTH = 8192;
