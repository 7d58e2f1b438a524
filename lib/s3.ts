/**
 * S3-compatible storage (AWS SDK v3, an optional peer dependency).
 * @module express-signed-downloads/s3
 */
export { s3Storage } from './storage/s3/s3-storage';
export type { S3StorageOptions } from './storage/s3/s3-storage';
export type { PresignCacheOptions } from './storage/s3/presign-cache';
