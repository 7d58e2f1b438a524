import { parseSettings, type Settings } from '../options/settings';
import type { SharedOptions } from '../options/types';
import { integerOption } from '../options/validate';
import { MAX_USES_LIMIT } from '../tokens/claims';
import type { RenditionParameters } from '../renditions/parameters';
import type { Renditions } from '../renditions/types';
import type { Disposition, FileRecord } from '../types';
import { checkedFileId, settingsFor } from './access';
import { parsePublicBaseUrl } from './issue-download-url';
import { isSubject } from './issuer';
import { fileIdSegment, parseStableUrls, signLink, type StableUrlsOptions } from './link-signing';

/** What {@link Downloads.signUrl} needs: the file and where `serveSignedDownload` is mounted. */
export interface SignUrlOptions {
  fileId: string;
  /** The public URL where `serveSignedDownload` is mounted, e.g. `https://app.example.com/orgs/acme/files`. */
  baseUrl: string;
  /** Must equal what the signed route's `tenant` hook will say (e.g. the `:orgId` in `baseUrl`). */
  tenant?: string | undefined;
  /** Bound into the token; without it the signed route's `disposition` option decides. */
  disposition?: Disposition | undefined;
  /** Seconds (default: `expiresIn` of the shared options, else 3600; at most `maxExpiresIn`). */
  expiresIn?: number | undefined;
  /** The `sub` claim: whom the link is for. */
  subject?: string | undefined;
  /** Downloads the link allows (needs the shared `useStore`). */
  maxUses?: number | undefined;
  /** Cache-stable: the same URL for the same input within a bucket. */
  stableUrls?: StableUrlsOptions | undefined;
  /**
   * An image rendition to serve instead of the file (needs the shared
   * `renditions`): a preset name (`'thumb'`), or free parameters
   * (`{ width: 640, format: 'webp' }`) where the renditions allow them.
   */
  rendition?: string | RenditionParameters | undefined;
}

/** A link made outside a request. */
export interface SignedUrl {
  url: string;
  token: string;
  /** Unix seconds. */
  expires: number;
  jti: string;
}

const KEYS = ['fileId', 'baseUrl', 'tenant', 'disposition', 'expiresIn', 'subject', 'maxUses', 'stableUrls', 'rendition'];

function renditionOption(where: string, renditions: Renditions | undefined, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (renditions === undefined) throw new TypeError(`${where}: \`rendition\` needs the shared \`renditions\` option (imageRenditions from 'express-signed-downloads/images') in createDownloads.`);
  return renditions.fromOption(value);
}

/**
 * Makes `signUrl` for `createDownloads`: a signed link with no request in
 * sight (an e-mail, a job, a server-rendered page), exactly as
 * `issueDownloadUrl` would make it for the same file and options. It checks
 * no access: the caller decides who gets the link.
 */
export function urlSigner<Principal, File extends FileRecord>(shared: SharedOptions<Principal, File>): (options: SignUrlOptions) => Promise<SignedUrl> {
  let settings: Settings | undefined;
  return async (options) => {
    const where = 'signUrl';
    settings ??= parseSettings(where, shared, [], { authorize: false, signer: true });
    if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: pass { fileId, baseUrl }.`);
    const unknown = Object.keys(options).filter((key) => !KEYS.includes(key));
    if (unknown.length > 0) throw new TypeError(`${where}: unknown option ${unknown.map((key) => `\`${key}\``).join(', ')}; it takes ${KEYS.join(', ')}.`);
    const fileId = checkedFileId(options.fileId);
    const base = parsePublicBaseUrl(where, options.baseUrl, 'baseUrl', 'https://app.example.com/orgs/acme/files');
    if (base === undefined) throw new TypeError(`${where}: \`baseUrl\` is required: where serveSignedDownload is mounted, e.g. 'https://app.example.com/files'.`);
    const { disposition, tenant } = options;
    if (disposition !== undefined && disposition !== 'inline' && disposition !== 'attachment') throw new TypeError(`${where}: \`disposition\` must be 'inline' or 'attachment'.`);
    if (tenant !== undefined && (typeof tenant !== 'string' || tenant === '')) throw new TypeError(`${where}: \`tenant\` must be a non-empty string.`);
    if (!isSubject(options.subject)) throw new TypeError(`${where}: \`subject\` must be a string of 1 to 256 characters.`);
    // The named tenant's keys and policy sign the link.
    const own = await settingsFor(settings, tenant, undefined);
    const expiresIn = integerOption(where, 'expiresIn', options.expiresIn, own.expiresIn ?? 3600, 1, own.maxExpiresIn);
    const maxUses = options.maxUses === undefined ? own.tenantPolicy?.maxUses : integerOption(where, 'maxUses', options.maxUses, 0, 1, MAX_USES_LIMIT, 'uses');
    if (maxUses !== undefined && own.useStore === undefined) throw new TypeError(`${where}: \`maxUses\` needs a \`useStore\` in createDownloads to count uses.`);
    const rendition = renditionOption(where, own.renditions, options.rendition);
    const url = new URL(`${base}/${fileIdSegment(fileId)}/content`);
    const signed = await signLink(own, url, url.pathname, {
      fileId, tenant, disposition: disposition as Disposition, expiresIn, subject: options.subject, maxUses, rendition,
    }, parseStableUrls(where, options.stableUrls, own));
    return { url: signed.url, token: signed.token, expires: signed.expires, jti: signed.jti };
  };
}
