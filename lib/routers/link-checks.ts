import type { Request } from 'express';
import { DownloadError } from '../errors';
import type { Admission } from '../http/types';
import type { Settings } from '../options/settings';
import { invalid } from '../tokens/claims';
import type { DownloadClaims } from '../tokens/signer';
import type { FileRecord } from '../types';
import type { RequestContext } from './context';
import type { UseStore } from '../links/use-store';
import { recordDate } from './file-record';
import { describeValue, wrongResult } from './hook-result';

// The checks a signed link passes beyond its signature (issue 10). Every
// refusal of the token itself is the same 401 `TOKEN_INVALID` as a forgery:
// revoked, bound to someone else and expired look alike to the client.

/** A token issued at `issuedAt` (whole seconds) predates `cutoff` unless it was issued at or after it. */
function issuedBefore(claims: DownloadClaims, cutoff: Date): boolean {
  // Seconds against milliseconds: a token of the cut-off's own second is
  // refused unless the cut-off falls exactly on that second. Never too lenient.
  return claims.issuedAt * 1000 < cutoff.getTime();
}

/** Start-up: holder hashes are keyed with the signing secret, which a verify-only signer does not have. */
export function checkBindingSigner(where: string, settings: Settings): void {
  if (settings.bindTo !== undefined && settings.signer !== undefined && !settings.signer.canBindHolders) {
    throw new TypeError(`${where}: \`bindTo\` needs a signer whose first key is an HS256 secret or has its private key: holder hashes are keyed with it.`);
  }
}

/** This request's `bindTo` value, checked: a non-empty string, or undefined (also when there is no `bindTo`). */
export async function holderOf(settings: Settings, req: Request): Promise<string | undefined> {
  if (settings.bindTo === undefined) return undefined;
  const value: unknown = await settings.bindTo(req);
  if (value !== undefined && (typeof value !== 'string' || value === '')) throw wrongResult('bindTo', value, 'a non-empty string, or undefined');
  return value;
}

/** The bound holder: the `bindTo` value of this request must hash to the token's. */
export async function checkHolder(req: Request, settings: Settings, claims: DownloadClaims): Promise<void> {
  if (claims.holder === undefined) return;
  const value = await holderOf(settings, req);
  if (!settings.signer!.holderMatches(claims, value)) {
    throw invalid(new Error(value === undefined ? 'the link is bound to a holder and this request names none' : 'the link is bound to another holder'));
  }
}

/** A link issued before `cutoff` is refused like a forgery; `whose` names the cut-off in the cause. */
function refuseIfIssuedBefore(claims: DownloadClaims, cutoff: Date | undefined, whose: string): void {
  if (cutoff !== undefined && issuedBefore(claims, cutoff)) {
    throw invalid(new Error(`link issued ${new Date(claims.issuedAt * 1000).toISOString()}, before ${whose} linksValidAfter ${cutoff.toISOString()}`));
  }
}

/**
 * The records' and the tenant's cut-off times (its configuration's and the
 * hook's), then the host's deny-list, once per link: an archive's link is
 * refused when any of its files was revoked.
 */
export async function checkRevocation(req: Request, settings: Settings, claims: DownloadClaims, files: FileRecord | readonly FileRecord[]): Promise<void> {
  for (const file of Array.isArray(files) ? (files as readonly FileRecord[]) : [files as FileRecord]) {
    refuseIfIssuedBefore(claims, recordDate('linksValidAfter', file.linksValidAfter), "the file's");
  }
  refuseIfIssuedBefore(claims, settings.tenantPolicy?.linksValidAfter, "tenantConfig's");
  if (settings.linksValidAfter !== undefined) {
    const forTenant: unknown = await settings.linksValidAfter(claims.tenant, req);
    if (forTenant !== undefined && !(forTenant instanceof Date && !Number.isNaN(forTenant.getTime()))) {
      throw wrongResult('linksValidAfter', forTenant, 'a valid Date, or undefined');
    }
    refuseIfIssuedBefore(claims, forTenant, "the tenant's");
  }
  if (settings.isRevoked !== undefined) {
    const revoked: unknown = await settings.isRevoked({
      jti: claims.jti, fileId: claims.fileId, tenant: claims.tenant, issuedAt: new Date(claims.issuedAt * 1000), req,
    });
    // Only false lets a link through: a deny-list that answers something else fails closed.
    if (revoked !== false) {
      throw invalid(new Error(revoked === true ? `isRevoked refused link ${claims.jti ?? '(no jti)'}` : `isRevoked returned ${describeValue(revoked)}; only false lets a link through`));
    }
  }
}

async function usesOf(store: UseStore, jti: string): Promise<number> {
  let used: unknown;
  try {
    used = await store.uses(jti);
  } catch (error) {
    throw new DownloadError('USE_STORE_UNAVAILABLE', undefined, { cause: error });
  }
  return typeof used === 'number' ? used : 0;
}

const usedUp = (claims: DownloadClaims, used: number) =>
  new DownloadError('LINK_USED_UP', undefined, { cause: new Error(`link ${claims.jti} has had ${used} of its ${claims.maxUses} uses`) });

function checkedUse(value: unknown): { allowed: boolean; used: number } {
  const result = value as { allowed?: unknown; used?: unknown } | null;
  if (typeof result !== 'object' || result === null || typeof result.allowed !== 'boolean' || !Number.isInteger(result.used)) {
    throw new DownloadError('USE_STORE_UNAVAILABLE', undefined, { cause: wrongResult('useStore.consume', value, '{ allowed: boolean, used: number }') });
  }
  return result as { allowed: boolean; used: number };
}

/**
 * Whether a link answers with its own keyed ETag ({@link Signer.linkTag}):
 * a counted, bound or possibly late link, where a continuation or a
 * revalidation is let through on the strength of that ETag, so it must prove
 * an earlier answer of this link, not a validator anyone can learn or guess.
 */
export function hasLinkTag(claims: DownloadClaims, graceSeconds: number): boolean {
  return claims.maxUses !== undefined || claims.holder !== undefined || graceSeconds > 0;
}

/**
 * What the engine asks once it knows the answer, for a link past its expiry
 * (within `graceSeconds`) or with a use limit; `undefined` when neither
 * applies, so an ordinary link costs nothing here. Once a link is used up,
 * every answer but a continuation is 410: a 304, 412 or 416 would give out
 * the file's validators or size.
 */
export function linkGate(settings: Settings, context: RequestContext, claims: DownloadClaims, graceSeconds: number): ((admission: Admission) => Promise<void>) | undefined {
  if (claims.expired !== true && claims.maxUses === undefined) return undefined;
  return async ({ continuation, delivers, revalidated }) => {
    // After expiry: the rest of a transfer, or a 304 for a copy the client holds (no bytes). Browsers
    // revalidate a cached media response with Range + If-None-Match once its max-age is over.
    if (claims.expired === true && !continuation && !revalidated) {
      throw invalid(new Error('token expired; within graceSeconds only a Range whose If-Range matches the link\'s ETag, or a revalidation answered 304, is served'));
    }
    if (claims.maxUses === undefined) return;
    const store = settings.useStore;
    if (store === undefined) {
      throw new DownloadError('INTERNAL_ERROR', undefined, { cause: new Error('the link has maxUses but serveSignedDownload has no useStore: pass useStore in createDownloads') });
    }
    const jti = claims.jti!;
    if (continuation || !delivers) {
      const used = await usesOf(store, jti);
      // The rest of a download this link delivered before: free, whatever the count. The link's ETag
      // in If-Range proves an earlier answer; the count proves that answer delivered.
      if (continuation && used >= 1) return;
      // Headers only (HEAD, 304, 412, 416): nothing is counted, but a used-up link tells nothing, except
      // a 304 to a client revalidating its copy with the link's ETag: it proves an earlier answer, as
      // If-Range does, and learns nothing new (Chromium revalidates its cached media ranges so).
      if (!delivers) {
        if (used >= claims.maxUses && !revalidated) throw usedUp(claims, used);
        return;
      }
    }
    // The count outlives every moment the token could still verify.
    const forgetAt = new Date((claims.expires + graceSeconds + settings.signer!.clockTolerance + 1) * 1000);
    let result: { allowed: boolean; used: number };
    try {
      result = checkedUse(await store.consume(jti, claims.maxUses, forgetAt, { tenant: claims.tenant }));
    } catch (error) {
      // A store that cannot count never allows.
      throw error instanceof DownloadError ? error : new DownloadError('USE_STORE_UNAVAILABLE', undefined, { cause: error });
    }
    if (!result.allowed) throw usedUp(claims, result.used);
    context.uses = result.used;
  };
}
