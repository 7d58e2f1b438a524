/** A file as the host describes it to the routers (returned by `findFile`). */
export interface FileRecord {
  /** The id the client uses (usually the route's `:fileId`). */
  id: string;
  /** Storage key. A record without one is 409 `FILE_NOT_DOWNLOADABLE` (e.g. a document that is only a link). */
  key?: string | undefined;
  /** Name for `Content-Disposition` and the content-type lookup; defaults to the key's last segment. */
  filename?: string | undefined;
  /** Wins over every other source of the content type. */
  contentType?: string | undefined;
  /** Known size in bytes; with `etag` or `lastModified` it saves a `storage.stat` call per request. */
  size?: number | undefined;
  etag?: string | undefined;
  lastModified?: Date | undefined;
  /**
   * The file's CRC-32 (an unsigned 32-bit integer), when your store or
   * database knows it: an archive link then serves any `Range` of the
   * archive from its first download. Without it, CRC-32s are learnt on the
   * first full pass (see the README's "Archives").
   */
  crc32?: number | undefined;
  /** Owner tenant; compared with the `tenant(req)` hook when one is configured. */
  tenant?: string | undefined;
  /** A locked file is 423 `FILE_LOCKED`. */
  locked?: boolean | undefined;
  /**
   * Every signed link to this file issued before this time is refused (401
   * `TOKEN_INVALID`): "revoke every link to this file" is one field update.
   * Compared in whole seconds; see the README's "Revoking links".
   */
  linksValidAfter?: Date | undefined;
}

/** How the browser should treat the file. */
export type Disposition = 'inline' | 'attachment';
