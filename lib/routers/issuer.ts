import type { Request } from 'express';
import { downloadFilename } from '../http/disposition';
import { requestOrigin } from '../http/origin';
import type { Settings } from '../options/settings';
import type { IssuedEvent, MaybePromise } from '../options/types';
import type { Disposition, FileRecord } from '../types';
import type { DownloadableFile } from './access';
import type { RequestContext } from './context';
import { wrongResult } from './hook-result';
import { holderOf } from './link-checks';
import { fileIdSegment, signLink, type LinkInput, type StableUrlsOptions } from './link-signing';
import { presignFile } from './presign';
import type { LinkRequest } from './query-options';

/** The default response body of `issueDownloadUrl` (and each entry of `issueDownloadUrls`). */
export interface IssuedUrlBody {
  /** Absolute URL: the signed route with `?token=…&expires=…`, or the storage's presigned URL. */
  download_url: string;
  /** The signed token; `null` in presigned mode, where the URL carries the store's own signature. */
  token: string | null;
  /** Unix seconds. */
  expires: number;
  expires_in: number;
  /** ISO 8601. */
  expires_at: string;
  file_id: string;
  filename: string | null;
  /** The image rendition the link serves (`?rendition=`), if one was asked for. */
  rendition?: string;
}

/** How an issuing router makes its links: fixed at start-up. */
export interface IssuerConfig<File extends FileRecord> {
  mode: 'signed' | 'presigned';
  publicBaseUrl: string | undefined;
  allowedHosts: ReadonlySet<string> | undefined;
  downloadUrl: ((req: Request, file: File) => MaybePromise<string>) | undefined;
  stableUrls: StableUrlsOptions | undefined;
}

type IssuedDetails = Omit<IssuedEvent, 'type' | 'req' | 'fileId' | 'tenant' | 'principal' | 'file'>;

/** What a `sub` claim may be: a string of 1 to 256 characters, or undefined (no claim). */
export function isSubject(value: unknown): value is string | undefined {
  return value === undefined || (typeof value === 'string' && value !== '' && value.length <= 256);
}

async function subjectOf(settings: Settings, req: Request, principal: unknown): Promise<string | undefined> {
  if (settings.subject === undefined) return undefined;
  const subject: unknown = await settings.subject(principal, req);
  if (!isSubject(subject)) throw wrongResult('subject', subject, 'a string of 1 to 256 characters, or undefined');
  return subject;
}

/** A link to a signed route, as issued: its URL and token, and what the `issued` event reports of it. */
export interface IssuedSignedLink {
  url: string;
  token: string;
  expires: number;
  expiresIn: number;
  event: IssuedDetails;
}

/**
 * Signs a link to the signed route at `base` (a path of this app, or an
 * absolute URL from the host's `downloadUrl`), with the request's subject
 * and holder: what every issuing router hands out.
 */
export async function issueSignedLink(
  settings: Settings, config: Pick<IssuerConfig<FileRecord>, 'publicBaseUrl' | 'allowedHosts' | 'stableUrls'>, req: Request, principal: unknown, base: unknown,
  input: Omit<LinkInput, 'subject' | 'holder'>,
): Promise<IssuedSignedLink> {
  if (typeof base !== 'string' || !(base.startsWith('/') || /^https?:\/\//i.test(base))) throw wrongResult('downloadUrl', base, "an absolute http(s) URL or a path starting with '/'");
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(base);
  const url = new URL(absolute ? base : `${config.publicBaseUrl ?? requestOrigin(req, config.allowedHosts)}${base}`);
  const subject = await subjectOf(settings, req, principal);
  const holder = await holderOf(settings, req);
  // The token is bound to the path the signed route will see (the app's own
  // path: before publicBaseUrl's prefix, which a proxy strips), unless a scope is set.
  const signed = await signLink(settings, url, new URL(base, 'http://app.invalid').pathname, { ...input, subject, holder }, config.stableUrls);
  return {
    url: signed.url, token: signed.token, expires: signed.expires,
    // A stable link lives to its bucket's end: say how long it really has.
    expiresIn: signed.expiresIn,
    event: { mode: 'signed', expires: signed.expires, subject, jti: signed.jti, maxUses: input.maxUses, bound: holder !== undefined },
  };
}

/**
 * Issues one link for an authorized file: what `issueDownloadUrl` answers
 * and what each entry of `issueDownloadUrls` holds.
 */
export async function issueLink<File extends FileRecord>(
  settings: Settings, config: IssuerConfig<File>, req: Request, context: RequestContext, target: DownloadableFile, link: LinkRequest,
): Promise<{ body: IssuedUrlBody; event: IssuedDetails }> {
  const disposition: Disposition = link.disposition ?? (await settings.disposition(target.file, req));
  let issued: { url: string; token: string | null; expires: number; expiresIn: number; event: IssuedDetails };
  if (config.mode === 'signed') {
    const base = config.downloadUrl === undefined ? `${req.baseUrl}/${fileIdSegment(context.fileId!)}/content` : await config.downloadUrl(req, target.file as File);
    issued = await issueSignedLink(settings, config, req, context.principal, base, {
      fileId: context.fileId!, tenant: context.tenant, disposition, expiresIn: link.expiresIn, maxUses: link.maxUses, rendition: link.rendition,
    });
  } else {
    const presigned = await presignFile(settings, target, disposition, link.expiresIn);
    issued = { ...presigned, token: null, event: { mode: 'presigned', expires: presigned.expires, subject: undefined, jti: undefined, maxUses: undefined, bound: false } };
  }
  return {
    body: {
      download_url: issued.url,
      token: issued.token,
      expires: issued.expires,
      expires_in: issued.expiresIn,
      expires_at: new Date(issued.expires * 1000).toISOString(),
      file_id: context.fileId!,
      filename: downloadFilename(target.file.filename, target.key) ?? null,
      ...(link.rendition === undefined ? {} : { rendition: link.rendition }),
    },
    event: issued.event,
  };
}
