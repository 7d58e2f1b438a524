import type { Disposition, FileRecord } from '../types';
import { resolveContentType } from './content-type';
import { dispositionHeader, downloadFilename } from './disposition';

/** How a stored file is presented to the client, identically whether the app or the store sends the bytes. */
export interface Representation {
  /** The normalised `Content-Type` value. */
  contentType: string;
  /** The bare `type/subtype`. */
  essence: string;
  disposition: Disposition;
  /** The complete `Content-Disposition` value. */
  contentDisposition: string;
  filename: string | undefined;
}

/**
 * Settles type and disposition: `asked` is downgraded to `attachment` unless
 * the type is a well-formed one the host allows inline. Proxy, redirect and
 * presigned modes all call this, so a user cannot tell which mode served a file.
 */
export function represent(
  file: FileRecord, key: string, storageType: string | undefined, asked: Disposition, isInlineSafe: (essence: string) => boolean,
): Representation {
  const type = resolveContentType(file, key, storageType);
  const disposition = asked === 'inline' && type.trusted && isInlineSafe(type.essence) ? 'inline' : 'attachment';
  const filename = downloadFilename(file.filename, key);
  return { contentType: type.value, essence: type.essence, disposition, contentDisposition: dispositionHeader(disposition, filename), filename };
}
