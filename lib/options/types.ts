import type { ArchiveStore } from '../archives/archive-store';
import type { Request } from 'express';
import type { DownloadError } from '../errors';
import type { UseStore } from '../links/use-store';
import type { StorageAdapter } from '../storage/types';
import type { DownloadClaims, Signer } from '../tokens/signer';
import type { Disposition, FileRecord } from '../types';
import type { TenantCacheOptions } from '../tenants/tenant-cache';
import type { TenantConfig } from '../tenants/tenant-config';
import type { Renditions } from '../renditions/types';

/** A value or a promise of it: every host hook may be sync or async. */
export type MaybePromise<T> = T | Promise<T>;

/** Response headers a hook adds; they override the library's defaults. */
export type HeaderMap = Record<string, string | number | readonly string[]>;

/** What `formatError` returns: the host's own error envelope. */
export interface ErrorResponse {
  /** Any status from 100 to 999 (e.g. 437); defaults to `error.status`. */
  status?: number | undefined;
  /** Sent as JSON; a string is sent as `text/plain`; `undefined` sends no body. */
  body: unknown;
  headers?: HeaderMap | undefined;
}

/** What every event carries: the request and what is known of it when the event fires. */
export interface EventBase<Principal = unknown, File extends FileRecord = FileRecord> {
  req: Request;
  /** The file id, once the request's id was read (after the token, on the signed route). */
  fileId: string | undefined;
  tenant: string | undefined;
  /** What `authenticate` returned, when it ran. */
  principal: Principal | undefined;
  /** The record `findFile` returned, when it ran. */
  file: File | undefined;
}

/** A download URL was issued. */
export interface IssuedEvent<Principal = unknown, File extends FileRecord = FileRecord> extends EventBase<Principal, File> {
  type: 'issued';
  mode: 'signed' | 'presigned';
  expires: number;
  /** The `sub` claim put in the token (from the `subject` option). */
  subject: string | undefined;
  /** The token's unique id (`jti`), also in `served.claims.jti`: every use of one link can be traced. `undefined` in presigned mode (the store's URL has no jti). */
  jti: string | undefined;
  /** The use limit bound into the link (`maxUses`), if any. */
  maxUses: number | undefined;
  /** The link is bound to its holder (`bindTo` gave a value); false when `bindTo` is set but gave none, so the link works for anyone. */
  bound: boolean;
  /** An archive link's files, in archive order (`fileId` and `file` are then undefined). */
  members?: readonly ArchiveMemberSummary[] | undefined;
}

/** One file of an archive, as events report it. */
export interface ArchiveMemberSummary {
  fileId: string;
  /** Its name in the archive. */
  name: string;
  size: number;
}

/** A file response ended: complete, or not (`aborted`: fewer bytes went out than were announced). */
export interface ServedEvent<Principal = unknown, File extends FileRecord = FileRecord> extends EventBase<Principal, File> {
  type: 'served';
  signed: boolean;
  status: number;
  /** Body bytes written (0 for HEAD, 304, and answers offloaded to the web server). */
  bytes: number;
  range: { start: number; end: number } | undefined;
  durationMs: number;
  aborted: boolean;
  /** Sent by the web server in front (`offload`). */
  offloaded: boolean;
  /** An archive's files, in archive order (`fileId` and `file` are then undefined). */
  members?: readonly ArchiveMemberSummary[] | undefined;
  /** The verified token of a signed download (`sub` says to whom the link was given, `jti` which link it was). */
  claims: DownloadClaims | undefined;
  /** For a link with `maxUses`: its uses so far, this one included; `undefined` when no use was counted (HEAD, 304, a continued transfer). */
  uses: number | undefined;
}

/** The client was sent to a presigned storage URL. */
export interface RedirectedEvent<Principal = unknown, File extends FileRecord = FileRecord> extends EventBase<Principal, File> {
  type: 'redirected';
  expiresIn: number;
}

/** A request was refused with a 4xx; `error.cause` holds the internal reason for your logs. */
export interface DeniedEvent<Principal = unknown, File extends FileRecord = FileRecord> extends EventBase<Principal, File> {
  type: 'denied';
  error: DownloadError;
  status: number;
}

/** A request failed with a 5xx (a hook threw, storage failed); `error.cause` holds the reason. */
export interface FailedEvent<Principal = unknown, File extends FileRecord = FileRecord> extends EventBase<Principal, File> {
  type: 'failed';
  error: DownloadError;
  status: number;
}

/** Everything `onEvent` receives. */
export type DownloadEvent<Principal = unknown, File extends FileRecord = FileRecord> =
  | IssuedEvent<Principal, File>
  | ServedEvent<Principal, File>
  | RedirectedEvent<Principal, File>
  | DeniedEvent<Principal, File>
  | FailedEvent<Principal, File>;

/**
 * Options every router understands; `createDownloads(shared)` binds them
 * once. `Principal` is what `authenticate` returns and `File` what `findFile`
 * returns: both are inferred, so `authorize(req, file, principal)` and the
 * other hooks see your own types.
 */
export interface SharedOptions<Principal = unknown, File extends FileRecord = FileRecord> {
  /** Looks up a file by id; `null`/`undefined` is 404 `FILE_NOT_FOUND`. A throw is 500 `INTERNAL_ERROR` (or the code of a thrown `DownloadError`). */
  findFile: (fileId: string, req: Request) => MaybePromise<File | null | undefined>;
  /** Where the bytes live. */
  storage: StorageAdapter;
  /** Who is calling; any falsy value is 401 `UNAUTHENTICATED`. Omit when your own auth middleware runs first. */
  authenticate?: ((req: Request) => MaybePromise<Principal | null | undefined | false>) | undefined;
  /** Ownership check; only `true` allows. Required on the authenticated routers (pass `() => true` to allow everyone explicitly). */
  authorize?: ((req: Request, file: File, principal: Principal) => MaybePromise<boolean>) | undefined;
  /**
   * The tenant of this request (e.g. `req.params.orgId`); a file of another tenant, or of none, is 404.
   * Only a non-empty string names a tenant; anything else (an array from a wildcard param, undefined) names
   * none, so every file is 404 (fail closed). `principal` is undefined on the signed route, which
   * authenticates no one (the link is the credential): read the tenant from the path, never from the principal.
   */
  tenant?: ((req: Request, principal: Principal | undefined) => MaybePromise<unknown>) | undefined;
  /** Where the file id comes from (default `req.params.fileId`). */
  fileId?: ((req: Request) => MaybePromise<unknown>) | undefined;
  /** Signs and verifies tokens (from `createSigner`); required by `issueDownloadUrl` (signed mode) and `serveSignedDownload`. */
  signer?: Signer | undefined;
  /** Token / presign lifetime in seconds (default 3600 for URLs, 900 for redirects). */
  expiresIn?: number | undefined;
  /** Upper bound for `expiresIn` and the `expires_in` query (default 86400). */
  maxExpiresIn?: number | undefined;
  /** Default disposition of served files (default `'inline'`, forced to `attachment` outside `inlineTypes`). */
  disposition?: Disposition | ((file: File, req: Request) => MaybePromise<Disposition>) | undefined;
  /** Content types allowed inline; exact types or `type/*`. */
  inlineTypes?: readonly string[] | undefined;
  /** Extra response headers for served files; they override defaults such as `Cache-Control`. */
  headers?: ((file: File, req: Request) => MaybePromise<HeaderMap | undefined>) | undefined;
  /**
   * `{ maxBytes }` answers `Accept: application/json` with base64 content; default `false`.
   * `maxBufferedBytes` bounds the bytes of files held for encoding at once
   * (default 8 MiB, or `maxBytes` if larger); requests past it wait their turn.
   */
  json?: false | { maxBytes: number; maxBufferedBytes?: number | undefined } | undefined;
  /** The host's error envelope (may be async). If it throws or rejects, the default envelope is sent with 500. */
  formatError?: ((error: DownloadError, req: Request) => MaybePromise<ErrorResponse>) | undefined;
  /**
   * `'respond'` (default): the router answers errors itself (`formatError`).
   * `'next'`: it calls `next(error)` with the `DownloadError`, for an app with a
   * central Express error handler.
   */
  errors?: 'respond' | 'next' | undefined;
  /** Audit / metrics hook; it must not throw (a throw is ignored). */
  onEvent?: ((event: DownloadEvent<Principal, File>) => void) | undefined;
  /** Who a link is given to: a `sub` claim put in issued tokens and reported with their downloads. */
  subject?: ((principal: Principal, req: Request) => MaybePromise<string | undefined>) | undefined;
  /**
   * Where signed URLs may be redeemed. By default a token is bound to the
   * path of the URL it was issued for, so it opens nothing through another
   * router. Give two routers (or two `createDownloads`) the same scope name to
   * let their tokens be redeemed at either on purpose, e.g. when the signed
   * route is mounted apart from the issuer or behind a path-rewriting proxy.
   */
  scope?: string | undefined;
  /**
   * Bytes of buffer shared by the bodies this router streams (default: one
   * 8 MiB budget for the whole process). One download reads 1 MiB at a
   * time; many share the budget, so memory stays flat however many clients
   * are slow.
   */
  memoryBudget?: number | undefined;
  /**
   * Tenant-wide revocation ("sign out everywhere"): signed links of this
   * tenant issued before the returned time are refused (401 `TOKEN_INVALID`).
   * Called on the signed route with the token's tenant (`undefined` when the
   * routers have no tenant).
   */
  linksValidAfter?: ((tenant: string | undefined, req: Request) => MaybePromise<Date | undefined>) | undefined;
  /** A deny-list: `true` refuses the signed link (401 `TOKEN_INVALID`). Called on the signed route after every other check of the token. */
  isRevoked?: ((link: RevocationCheck) => MaybePromise<boolean>) | undefined;
  /**
   * Counts the uses of links issued with `maxUses` (`memoryUseStore()`, or
   * `redisUseStore` from `express-signed-downloads/redis` for several
   * instances). Required to issue or serve such links.
   */
  useStore?: UseStore | undefined;
  /**
   * Holder binding: a value only the rightful holder's requests carry (a
   * session id from a cookie). A keyed hash of it goes into issued tokens and
   * must match on download, so a forwarded link is useless without the
   * session. `undefined` when issuing issues an unbound link; `undefined`
   * when downloading fails a bound one.
   */
  bindTo?: ((req: Request) => MaybePromise<string | undefined>) | undefined;
  /**
   * Keeps archive links' manifests and the CRC-32s learnt while streaming
   * them (`issueArchiveUrl`, `serveSignedArchive`). Default: one
   * `memoryArchiveStore()` per `createDownloads`, right for one instance;
   * several instances share `redisArchiveStore` from
   * `express-signed-downloads/redis`.
   */
  archiveStore?: ArchiveStore | undefined;
  /**
   * Looks up many files at once for `issueDownloadUrls` and the archive
   * routers (one query instead of one per id): a `Map` from id to record, or
   * an array of records matched by their `id`. Ids it leaves out are 404.
   * Without it, `findFile` runs per id.
   */
  findFiles?: ((fileIds: string[], req: Request) => MaybePromise<ReadonlyMap<string, File | null | undefined> | readonly (File | null | undefined)[]>) | undefined;
  /**
   * A tenant's own storage, keys and policy, resolved when first needed
   * (e.g. from your database) and cached (`tenantCache`): one mount serves
   * any number of tenants. `null` is an unknown tenant (404 on the
   * authenticated routers, 401 on the signed route). Needs the `tenant`
   * hook. `req` is `undefined` when `signUrl` asks.
   */
  tenantConfig?: ((tenant: string, req: Request | undefined) => MaybePromise<TenantConfig | null | undefined>) | undefined;
  /** Bounds the cache of `tenantConfig` answers: `{ max: 10000, ttlSeconds: 60, unknownTtlSeconds: 10 }` by default. */
  tenantCache?: TenantCacheOptions | undefined;
  /**
   * Image renditions (`imageRenditions({ presets })` from
   * `express-signed-downloads/images`): issuing takes `?rendition=<preset>`
   * and binds it into the link, which then serves the rendered image;
   * `serveDownload` takes `?rendition=` directly. See the README's "Image renditions".
   */
  renditions?: Renditions | undefined;
}

/** What {@link SharedOptions.isRevoked} is asked about. */
export interface RevocationCheck {
  /** The token's unique id; `undefined` only for tokens issued before 0.3.0. */
  jti: string | undefined;
  fileId: string;
  tenant: string | undefined;
  /** When the token was issued (whole seconds). */
  issuedAt: Date;
  req: Request;
}
