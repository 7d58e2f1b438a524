import { lookup } from 'mime-types';
import { DownloadError, isDownloadError } from '../errors';
import { statObject } from '../http/open-object';
import { represent } from '../http/representation';
import type { Settings } from '../options/settings';
import type { PresignedUrl } from '../storage/types';
import type { Disposition } from '../types';
import type { DownloadableFile } from './access';

/** A presigned URL, its expiry and its lifetime from now. */
export interface PresignResult extends PresignedUrl {
  expiresIn: number;
}

/**
 * Asks the storage for a presigned URL with the same type and disposition
 * the engine would send, so a redirect never makes an unsafe type inline.
 * The URL comes only from the adapter, never from request input.
 */
export async function presignFile(settings: Settings, target: DownloadableFile, disposition: Disposition, expiresIn: number): Promise<PresignResult> {
  const { storage } = settings;
  if (typeof storage.presign !== 'function') {
    throw new DownloadError('STORAGE_NOT_CONFIGURED', 'This storage cannot create presigned URLs.');
  }
  const { file, key } = target;
  let storageType: string | undefined;
  // The stat only matters when neither the record nor its filename tells the type.
  if (!file.contentType && !(file.filename && lookup(file.filename))) {
    const stat = await statObject(storage, key);
    if (stat === null) throw new DownloadError('FILE_NOT_FOUND');
    storageType = stat.contentType;
  }
  const representation = represent(file, key, storageType, disposition, settings.isInlineSafe);
  const now = Math.floor(Date.now() / 1000);
  let presigned: string | PresignedUrl;
  try {
    presigned = await storage.presign(key, { expiresIn, disposition: representation.contentDisposition, contentType: representation.contentType });
  } catch (error) {
    throw isDownloadError(error) ? error : new DownloadError('STORAGE_ERROR', undefined, { cause: error });
  }
  // A reused URL (`{ url, expires }`) expires sooner than asked: report what the client really gets.
  return typeof presigned === 'string'
    ? { url: presigned, expires: now + expiresIn, expiresIn }
    : { ...presigned, expiresIn: Math.max(0, presigned.expires - now) };
}
