import { DownloadError } from '../errors';
import type { JsonMode, ObjectInfo } from './types';

/** JSON mode refuses a file over `maxBytes` from its size alone, before anything is read or counted. */
export function checkJsonSize(info: Pick<ObjectInfo, 'size'>, json: Pick<JsonMode, 'maxBytes'>): void {
  if (info.size > json.maxBytes) {
    throw new DownloadError('JSON_TOO_LARGE', `This file is larger than ${json.maxBytes} bytes and cannot be returned as JSON.`);
  }
}
