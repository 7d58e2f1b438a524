/** An inclusive byte range, as in HTTP: `{ start: 0, end: 0 }` is the first byte. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The single range a request asked for, read from its `Range` header before
 * the size is known: `{ start, end? }` (`bytes=10-19`, `bytes=10-`) or
 * `{ suffix }` (`bytes=-500`). Stores that fetch eagerly (S3) fetch only this.
 */
export type RangeHint = { start: number; end?: number } | { suffix: number };

/** What a storage adapter knows about a stored object. */
export interface StorageStat {
  /** Size in bytes. */
  size: number;
  lastModified?: Date | undefined;
  /** A strong entity tag including its quotes, e.g. `"5f3a-1b2"`. Weak tags (`W/"…"`) are allowed but disable If-Range. */
  etag?: string | undefined;
  contentType?: string | undefined;
}

/** What the engine tells {@link StorageAdapter.open} about the request. */
export interface OpenOptions {
  /** False for `HEAD`: only the metadata will be used, never a byte. */
  body: boolean;
  /** The range the client asked for, if it named exactly one. */
  range?: RangeHint | undefined;
  /**
   * The request's `If-None-Match` / `If-Modified-Since`, for stores that can
   * evaluate them and skip sending a body the client already has (S3 does).
   */
  ifNoneMatch?: string | undefined;
  ifModifiedSince?: string | undefined;
}

/** A positional read, shaped like `fs.read`: fill `buffer[offset, offset + length)` from `position`. */
export type ReadAt = (
  buffer: Buffer, offset: number, length: number, position: number,
  callback: (error: Error | null, bytesRead: number) => void,
) => void;

/**
 * One object opened for one request: its size and validators, and its bytes
 * through one of two doors. `readAt` (positional reads, as from a file
 * descriptor) lets the engine read small files in one call and stream large
 * ones holding one buffer per transfer; `stream` suits stores that hand out
 * a stream (S3). The engine calls `close()` exactly once when it is done,
 * whether or not it read anything.
 */
export interface StoredObject extends StorageStat {
  /** The store itself found `ifNoneMatch`/`ifModifiedSince` satisfied: the engine answers 304 and reads nothing. */
  notModified?: boolean | undefined;
  /** The whole object, already in memory (memory storage, a small cached file): sent without any read. */
  body?: Buffer | undefined;
  readAt?: ReadAt | undefined;
  /** The bytes of the inclusive `range`; called at most once. */
  stream?(range: ByteRange): NodeJS.ReadableStream | Promise<NodeJS.ReadableStream>;
  close(): void;
}

/** Options the routers pass to {@link StorageAdapter.presign}. */
export interface PresignOptions {
  /** Lifetime of the URL in seconds (already clamped by the router). */
  expiresIn: number;
  /** A complete `Content-Disposition` value to have the store send. */
  disposition: string;
  /** The `Content-Type` to have the store send. */
  contentType?: string | undefined;
}

/** A presigned URL with its expiry, for adapters that know it exactly (e.g. when reusing cached URLs). */
export interface PresignedUrl {
  url: string;
  /** Unix seconds. */
  expires: number;
}

/** What {@link StorageAdapter.write} stores with the bytes. */
export interface WriteOptions {
  contentType?: string | undefined;
}

/**
 * Where the bytes live. Implement `open` (one trip per request: size,
 * validators and bytes from one call), or the older pair `stat` + `read`,
 * which the library adapts. Every method may be called concurrently and must
 * not trust `key` more than the host does: adapters refuse keys that would
 * escape their root or prefix.
 */
export interface StorageAdapter {
  /**
   * Opens `key` for one request, or resolves `null` when there is no such
   * object (→ 404). A rejection whose `code` is `'ENOENT'` (or a
   * `DownloadError('FILE_NOT_FOUND')`) is 404 too; anything else 500 `STORAGE_ERROR`.
   */
  open?(key: string, options: OpenOptions): Promise<StoredObject | null>;
  /** Size and validators of `key`, or `null` when there is no such object. Rejections become 500 `STORAGE_ERROR`. */
  stat?(key: string): Promise<StorageStat | null>;
  /**
   * A stream of the object's bytes, or of the inclusive `range` of them. The
   * router destroys the stream when the client goes away. Rejecting with an
   * error whose `code` is `'ENOENT'` (or a `DownloadError('FILE_NOT_FOUND')`)
   * becomes 404; anything else 500 `STORAGE_ERROR`.
   */
  read?(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream>;
  /**
   * Optional: a URL the client can fetch from the store directly, for
   * redirects and presigned mode. Return the URL, or `{ url, expires }` when
   * it may expire sooner than `options.expiresIn` from now (a cached URL).
   */
  presign?(key: string, options: PresignOptions): Promise<string | PresignedUrl>;
  /**
   * Optional: stores `body` under `key`, replacing what is there, so that
   * no reader ever sees a partial object. The routers never write; image
   * renditions keep their rendered variants this way (`storageVariants`).
   */
  write?(key: string, body: Buffer, options: WriteOptions): Promise<void>;
}

/** A storage adapter with every door: what the built-in adapters return. */
export interface CompleteStorageAdapter extends StorageAdapter {
  open(key: string, options: OpenOptions): Promise<StoredObject | null>;
  stat(key: string): Promise<StorageStat | null>;
  read(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream>;
}
