/**
 * express-signed-downloads: composable Express routers for secure file downloads.
 * @module express-signed-downloads
 */
export { DownloadError, ErrorCode, isDownloadError } from './errors';
export type { AnyErrorCode } from './errors';
export type { DownloadErrorOptions } from './errors';
export { createSigner } from './tokens/signer';
export type { DownloadClaims, SignedToken, Signer, SignerOptions, SignInput, VerifyExpectation, VerifySignatureOptions } from './tokens/signer';
export type { AsymmetricKeyConfig, AsymmetricKeyInput, KeyConfig, SecretKeyConfig, SigningAlgorithm } from './tokens/keys';
export type { Jwk } from './tokens/jwk';
export { createDownloads } from './routers/create-downloads';
export type { BoundOptions, Downloads } from './routers/create-downloads';
export { issueDownloadUrl } from './routers/issue-download-url';
export type { IssueDownloadUrlOptions, IssuedUrlBody } from './routers/issue-download-url';
export { issueDownloadUrls } from './routers/issue-download-urls';
export type { IssueDownloadUrlsOptions, IssuedUrlEntry } from './routers/issue-download-urls';
export type { SignedUrl, SignUrlOptions } from './routers/sign-url';
export type { StableUrlsOptions } from './routers/link-signing';
export { serveSignedDownload } from './routers/serve-signed-download';
export type { ServeSignedDownloadOptions } from './routers/serve-signed-download';
export { serveDownload } from './routers/serve-download';
export type { ServeDownloadOptions } from './routers/serve-download';
export { redirectToPresigned } from './routers/redirect-to-presigned';
export type { RedirectToPresignedOptions } from './routers/redirect-to-presigned';
export type { ArchiveFileEntry, IssueArchiveUrlOptions, IssuedArchiveBody } from './routers/issue-archive-url';
export type { ServeSignedArchiveOptions } from './routers/serve-signed-archive';
export { memoryArchiveStore } from './archives/archive-store';
export type { ArchiveStore, MemoryArchiveStoreOptions } from './archives/archive-store';
export type { JsonFileBody } from './http/serve-file';
export type { OffloadOptions } from './http/offload';
export { DEFAULT_INLINE_TYPES } from './http/content-type';
export type {
  DeniedEvent, DownloadEvent, ErrorResponse, EventBase, FailedEvent, HeaderMap, IssuedEvent, MaybePromise, RedirectedEvent, RevocationCheck, ServedEvent, SharedOptions, ArchiveMemberSummary,
} from './options/types';
export { eventSummary } from './event-summary';
export type { EventSummary } from './event-summary';
export { fsStorage } from './storage/fs-storage';
export type { FsStorageOptions } from './storage/fs-storage';
export { memoryStorage, MemoryStorage } from './storage/memory-storage';
export type { MemoryObjectOptions } from './storage/memory-storage';
export { isSafeKey } from './storage/keys';
export type {
  ByteRange, CompleteStorageAdapter, OpenOptions, PresignedUrl, PresignOptions, RangeHint, ReadAt, StorageAdapter, StorageStat, StoredObject, WriteOptions,
} from './storage/types';
export type { OpenFileCacheOptions } from './storage/open-file-cache';
export { memoryUseStore } from './links/use-store';
export type { MemoryUseStoreOptions, UseResult, UseStore } from './links/use-store';
export type { Disposition, FileRecord } from './types';
export type { TenantConfig, TenantState } from './tenants/tenant-config';
export type { TenantCacheOptions } from './tenants/tenant-cache';
export type { Renditions, RenditionSource, RenditionVariant } from './renditions/types';
export type { RenditionFit, RenditionFormat, RenditionParameters } from './renditions/parameters';
