import type { S3Client } from '@aws-sdk/client-s3';
import { DownloadError } from '../../errors';
import { rejectUnknownKeys } from '../../options/validate';
import { isSafeKey } from '../keys';
import { readViaOpen } from '../read-via-open';
import type { ByteRange, CompleteStorageAdapter, OpenOptions, WriteOptions, PresignOptions, PresignedUrl, StorageAdapter, StorageStat, StoredObject } from '../types';
import { loadAwsSdk } from './load-sdk';
import { PresignCache, type PresignCacheOptions } from './presign-cache';
import { openS3Object } from './s3-object';

/** S3 refuses SigV4 presigned URLs valid for longer than 7 days. */
const S3_MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** Options of {@link s3Storage}. */
export interface S3StorageOptions {
  /** A configured `S3Client` (for MinIO, R2, Ceph…: `endpoint` and `forcePathStyle: true`). */
  client: S3Client;
  bucket: string;
  /** Prepended to every key, e.g. `'tenants/acme/'`; a missing trailing slash is added. */
  prefix?: string | undefined;
  /** Reuse presigned URLs for a bounded part of their life; off by default. */
  presignCache?: false | PresignCacheOptions | undefined;
}

/**
 * A missing object. A missing bucket is a configuration error, not a missing
 * file — but HeadObject answers both with a bodiless 404, so only GetObject
 * can tell them apart.
 */
function isNotFound(error: unknown): boolean {
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: number } };
  if (name === 'NoSuchBucket') return false;
  return name === 'NotFound' || name === 'NoSuchKey' || $metadata?.httpStatusCode === 404;
}

function notFound(key: string, cause?: unknown): DownloadError {
  return new DownloadError('FILE_NOT_FOUND', undefined, { cause: cause ?? new Error(`unsafe or missing key ${JSON.stringify(key)}`) });
}

function storageError(cause: unknown): DownloadError {
  return new DownloadError('STORAGE_ERROR', undefined, { cause });
}

function parsePrefix(prefix: unknown): string {
  if (prefix === undefined || prefix === '') return '';
  const bare = typeof prefix === 'string' ? prefix.replace(/\/$/, '') : undefined;
  if (bare === undefined || !isSafeKey(bare)) {
    throw new TypeError('s3Storage: `prefix` must be a plain key prefix such as "tenants/acme/" (no "..", empty segments or control characters).');
  }
  return `${bare}/`;
}

/**
 * S3 (and S3-compatible) storage. Ranges go to S3 as they are, so a 206
 * costs only the bytes asked for; the response body is destroyed and the
 * request aborted when the client goes away; presigned URLs carry the
 * disposition and type the router chose, and live at most 7 days (S3's limit).
 *
 * @example
 * ```ts
 * import { S3Client } from '@aws-sdk/client-s3';
 * import { s3Storage } from 'express-signed-downloads/s3';
 *
 * const storage = s3Storage({
 *   client: new S3Client({ region: 'eu-west-1' }),
 *   bucket: 'acme-files',
 *   prefix: 'tenants/acme/', // keys of records are below it
 * });
 * ```
 */
export function s3Storage(options: S3StorageOptions): CompleteStorageAdapter & Required<Pick<StorageAdapter, 'presign'>> {
  if (typeof options !== 'object' || options === null) throw new TypeError('s3Storage: pass { client, bucket, prefix? }.');
  rejectUnknownKeys('s3Storage', options, ['client', 'bucket', 'prefix', 'presignCache']);
  // Loaded here, not at import: importing the subpath to probe for S3 support never throws.
  const sdk = loadAwsSdk();
  const { client, bucket } = options;
  if (typeof (client as { send?: unknown } | undefined)?.send !== 'function') {
    throw new TypeError('s3Storage: `client` must be an S3Client from @aws-sdk/client-s3.');
  }
  if (typeof bucket !== 'string' || bucket === '') throw new TypeError('s3Storage: `bucket` is required.');
  const prefix = parsePrefix(options.prefix);
  const cache = options.presignCache ? new PresignCache(options.presignCache) : undefined;

  /** The full object key, or undefined when `key` could be normalised into another one. */
  const objectKey = (key: string): string | undefined => (isSafeKey(key) ? prefix + key : undefined);

  async function open(key: string, options: OpenOptions): Promise<StoredObject | null> {
    const Key = objectKey(key);
    if (Key === undefined) return null;
    try {
      return await openS3Object({ client, sdk, bucket, key: Key }, options, isNotFound);
    } catch (error) {
      throw storageError(error);
    }
  }

  return {
    async stat(key: string): Promise<StorageStat | null> {
      const Key = objectKey(key);
      if (Key === undefined) return null;
      try {
        const head = await client.send(new sdk.s3.HeadObjectCommand({ Bucket: bucket, Key }));
        const stat: StorageStat = { size: head.ContentLength ?? 0 };
        if (head.LastModified !== undefined) stat.lastModified = head.LastModified;
        if (head.ETag !== undefined) stat.etag = head.ETag;
        if (head.ContentType !== undefined) stat.contentType = head.ContentType;
        return stat;
      } catch (error) {
        if (isNotFound(error)) return null;
        throw storageError(error);
      }
    },

    open,

    read: (key: string, range?: ByteRange) => readViaOpen(open, key, range),

    async presign(key: string, presign: PresignOptions): Promise<PresignedUrl> {
      const Key = objectKey(key);
      if (Key === undefined) throw notFound(key);
      const expiresIn = Math.min(presign.expiresIn, S3_MAX_PRESIGN_SECONDS);
      const sign = () =>
        sdk.presigner.getSignedUrl(
          client,
          new sdk.s3.GetObjectCommand({
            Bucket: bucket,
            Key,
            ResponseContentDisposition: presign.disposition,
            ResponseContentType: presign.contentType,
          }),
          { expiresIn },
        );
      if (cache === undefined) return { url: await sign(), expires: Math.floor(Date.now() / 1000) + expiresIn };
      return cache.get(`${Key}\n${presign.disposition}\n${presign.contentType ?? ''}\n${expiresIn}`, expiresIn, sign);
    },

    async write(key: string, body: Buffer, write: WriteOptions): Promise<void> {
      const Key = objectKey(key);
      if (Key === undefined) throw new TypeError(`s3Storage: ${JSON.stringify(key)} is not a key this storage writes.`);
      try {
        // One PutObject: S3 makes an object visible whole or not at all.
        await client.send(new sdk.s3.PutObjectCommand({ Bucket: bucket, Key, Body: body, ContentLength: body.length, ContentType: write.contentType }));
      } catch (error) {
        throw storageError(error);
      }
    },
  };
}
