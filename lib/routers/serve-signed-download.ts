import type { Router } from 'express';
import type { Request } from 'express';
import { queryOf } from '../http/query';
import { parseOffload, type OffloadOptions } from '../http/offload';
import type { JsonFileBody } from '../http/serve-file';
import { parsePath, parseSettings, type Settings } from '../options/settings';
import { claimedTenant } from '../tenants/token-tenant';
import { checkTenantState } from '../tenants/tenant-directory';
import { invalid } from '../tokens/claims';
import { integerOption, checkRouterOptions } from '../options/validate';
import type { SharedOptions } from '../options/types';
import { matchClaims, type Signer } from '../tokens/signer';
import type { FileRecord } from '../types';
import { downloadable, identify, lookUp } from './access';
import { downloadRoute, downloadRouter, PASS_ON } from './context';
import { checkBindingSigner, checkHolder, checkRevocation, hasLinkTag, linkGate } from './link-checks';
import { linkParameters } from './link-parameters';
import { serveRecord, type ServeMode } from './serve-record';

/** Options of {@link serveSignedDownload}; `signer` is required. */
export interface ServeSignedDownloadOptions<Principal = unknown, File extends FileRecord = FileRecord> extends SharedOptions<Principal, File> {
  signer: Signer;
  /** Route inside the router (default `/:fileId/content`). */
  path?: string | undefined;
  /** Reshapes the JSON-mode body (`json` option). */
  formatResponse?: ((body: JsonFileBody, file: File, req: Request) => unknown) | undefined;
  /** Let nginx (`X-Accel-Redirect`) or Apache (`X-Sendfile`) send the bytes after every check; see the README. */
  offload?: OffloadOptions | undefined;
  /**
   * Seconds after a link expires during which a `Range` request whose
   * `If-Range` matches the file is still served, so a video started before
   * expiry keeps seeking (default 0, at most 3600). Any other request after
   * expiry is refused as usual. See the README's "Media that outlives its link".
   */
  graceSeconds?: number | undefined;
  /**
   * Let shared caches (a CDN, a proxy) keep answers: `Cache-Control: public`
   * and `CDN-Cache-Control`, bounded by the link's remaining life. Meant for
   * `stableUrls`, whose repeated URLs a cache can reuse. Never for a link with
   * `maxUses` or `bindTo`, or within `graceSeconds` (those stay `private`).
   * Default false: `private`.
   */
  sharedCache?: boolean | undefined;
}

/** The longest `graceSeconds`: a grace period is for finishing a playback, not for sharing a link. */
export const MAX_GRACE_SECONDS = 3600;

/**
 * A shared cache may keep the answer until the link expires, and no longer:
 * no stale serving (Varnish's default grace is 10 s), and nothing a browser
 * keeps fresh on its own. A cache that adds no `Age` (nginx `proxy_cache`)
 * passes on the max-age it received, which a browser would count again from
 * when *it* got the copy: so browsers get `max-age=0` and revalidate through
 * the shared cache, which answers from its copy only while the link lives.
 */
function sharedCacheControl(remaining: number): string {
  return `public, max-age=0, s-maxage=${remaining}, stale-while-revalidate=0, stale-if-error=0`;
}

/**
 * The settings whose keys check this token: the shared ones, or with
 * `tenantConfig` those of the tenant the token names (unverified, only to
 * pick the keys; the route then requires the request's tenant to be that
 * one). An unknown tenant has no keys: 401 like any forgery, so a forged URL
 * cannot tell a made-up tenant from a real one.
 */
export function signingSettings(settings: Settings, token: string, req: Request): Settings | Promise<Settings> {
  if (settings.tenants === undefined) return settings;
  const tenant = claimedTenant(token);
  if (tenant === undefined) return settings;
  const own = settings.tenants.resolve(tenant, req);
  return own instanceof Promise ? own.then((resolved) => knownTenant(resolved, tenant)) : knownTenant(own, tenant);
}

function knownTenant(own: Settings | null, tenant: string): Settings {
  if (own === null) throw invalid(new Error(`tenantConfig knows no tenant ${JSON.stringify(tenant)}`));
  return own;
}

/** The path the client asked for, as the app sees it: what a token is bound to by default. */
export function requestPath(req: Request): string {
  const mark = req.originalUrl.indexOf('?');
  return mark === -1 ? req.originalUrl : req.originalUrl.slice(0, mark);
}

/**
 * Serves a download URL made by `issueDownloadUrl`: no Authorization header,
 * the `token` and `expires` query parameters are the credential. Responses may
 * be cached privately, but never past the token's expiry, and carry
 * `Referrer-Policy: no-referrer` so the token does not leak to other sites.
 *
 * @example
 * ```ts
 * import { serveSignedDownload } from 'express-signed-downloads';
 *
 * // GET|HEAD /files/:fileId/content?token=…&expires=…: the bytes, with Range and conditional GET.
 * app.use('/files', serveSignedDownload({
 *   storage, signer,
 *   findFile: (id) => db.documents.findById(id),
 *   graceSeconds: 600, // a video that started before expiry may keep seeking for 10 minutes
 * }));
 * ```
 */
export function serveSignedDownload<Principal = unknown, File extends FileRecord = FileRecord>(options: ServeSignedDownloadOptions<Principal, File>): Router {
  const where = 'serveSignedDownload';
  checkRouterOptions(where, options, 'serveSignedDownload({ … })');
  const settings = parseSettings(where, options, ['path', 'formatResponse', 'offload', 'graceSeconds', 'sharedCache'], { authorize: false, signer: true, unused: ['authorize', 'authenticate', 'subject', 'findFiles'] });
  checkBindingSigner(where, settings);
  if (options.sharedCache !== undefined && typeof options.sharedCache !== 'boolean') throw new TypeError(`${where}: \`sharedCache\` must be true or false.`);
  const graceSeconds = integerOption(where, 'graceSeconds', options.graceSeconds, 0, 0, MAX_GRACE_SECONDS);
  const path = parsePath(where, options.path, '/:fileId/content', options.fileId === undefined);
  const offload = parseOffload(where, options.offload);
  return downloadRouter(settings, (router) => router.get(
    path,
    downloadRoute(settings, async (req, res, context) => {
      const { token, expires } = linkParameters(queryOf(req));
      // With tenantConfig the tenant's keys check the token: its configuration is the one host call
      // that may come before the signature (and is cached, forged tokens or not).
      const chosen = signingSettings(settings, token, req);
      const own = chosen instanceof Promise ? await chosen : chosen;
      // The token first: nothing else of the host's (fileId, tenant, findFile) runs for a forged one.
      const claims = await own.signer!.verifySignature(token, { graceSeconds });
      // An archive's token names a manifest, not a file: only serveSignedArchive redeems it (mounted after this one).
      if (claims.archive === true) throw PASS_ON;
      context.claims = claims;
      await identify(req, settings, context, undefined);
      matchClaims(claims, { fileId: context.fileId!, tenant: context.tenant, expires, scope: settings.scope ?? requestPath(req) });
      checkTenantState(own.tenantPolicy);
      await checkHolder(req, own, claims);
      const file = await lookUp(req, own, context);
      // A revoked link learns nothing of the file (locked, no content): the same 401 as a forgery.
      await checkRevocation(req, own, claims, file);
      const target = downloadable(file);
      // In a grace period the answer must not be cached as if the link were still valid.
      // Rounded down to whole seconds left (the current second counts as gone), so no copy outlives the link.
      const remaining = claims.expired === true ? 0 : Math.max(0, claims.expires - Math.ceil(Date.now() / 1000));
      // A counted, bound or late link must reach this app on every use: never a shared cache.
      const shared = options.sharedCache === true && claims.maxUses === undefined && claims.holder === undefined && claims.expired !== true;
      await serveRecord(req, res, own, context, target, {
        signed: true,
        disposition: claims.disposition ?? (await own.disposition(target.file, req)),
        cacheControl: shared ? sharedCacheControl(remaining) : `private, max-age=${remaining}`,
        headers: shared ? { 'Referrer-Policy': 'no-referrer', 'CDN-Cache-Control': sharedCacheControl(remaining) } : { 'Referrer-Policy': 'no-referrer' },
        formatResponse: options.formatResponse as ServeMode['formatResponse'],
        offload,
        linkTag: hasLinkTag(claims, graceSeconds) ? (validator) => own.signer!.linkTag(claims, validator) : undefined,
        etagOnlyWithBytes: claims.maxUses !== undefined,
        admit: linkGate(own, context, claims, graceSeconds),
        // The token binds the rendition: the query cannot change size, format or quality.
        rendition: claims.rendition,
      });
    }),
  ));
}
