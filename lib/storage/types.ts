/** An inclusive byte range, as in HTTP: `{ start: 0, end: 0 }` is the first byte. */
export interface ByteRange {
  start: number;
  end: number;
}

/** What a storage adapter knows about a stored object. */
export interface StorageStat {
  /** Size in bytes. */
  size: number;
  lastModified?: Date;
  /** A strong entity tag including its quotes, e.g. `"5f3a-1b2"`. Weak tags (`W/"…"`) are allowed but disable If-Range. */
  etag?: string;
  contentType?: string;
}

/** Options the routers pass to {@link StorageAdapter.presign}. */
export interface PresignOptions {
  /** Lifetime of the URL in seconds (already clamped by the router). */
  expiresIn: number;
  /** A complete `Content-Disposition` value to have the store send. */
  disposition: string;
  /** The `Content-Type` to have the store send. */
  contentType?: string;
}

/** A presigned URL with its expiry, for adapters that know it exactly (e.g. when reusing cached URLs). */
export interface PresignedUrl {
  url: string;
  /** Unix seconds. */
  expires: number;
}

/**
 * Where the bytes live. Every method may be called concurrently and must not
 * trust `key` more than the host does: adapters refuse keys that would escape
 * their root or prefix.
 */
export interface StorageAdapter {
  /** Size and validators of `key`, or `null` when there is no such object. Rejections become 500 `STORAGE_ERROR`. */
  stat(key: string): Promise<StorageStat | null>;
  /**
   * A stream of the object's bytes, or of the inclusive `range` of them. The
   * router destroys the stream when the client goes away. Rejecting with an
   * error whose `code` is `'ENOENT'` (or a `DownloadError('FILE_NOT_FOUND')`)
   * becomes 404; anything else 500 `STORAGE_ERROR`.
   */
  read(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream>;
  /**
   * Optional: a URL the client can fetch from the store directly, for
   * redirects and presigned mode. Return the URL, or `{ url, expires }` when
   * it may expire sooner than `options.expiresIn` from now (a cached URL).
   */
  presign?(key: string, options: PresignOptions): Promise<string | PresignedUrl>;
}
