import { validateHeaderName, validateHeaderValue } from 'node:http';
import { DownloadError } from '../errors';
import type { HeaderMap } from '../options/types';

/**
 * Throws INTERNAL_ERROR, naming the header, when Node would refuse one of
 * `headers` (CR/LF, non-Latin-1, an invalid name). Checked before any storage
 * is opened, so a bad record or hook leaks no descriptor and the error
 * response carries none of the file's headers (issue 7, #8).
 */
export function checkHeaders(headers: HeaderMap): void {
  for (const name of Object.keys(headers)) {
    const value = headers[name]!;
    try {
      validateHeaderName(name);
      for (const item of Array.isArray(value) ? value : [value]) validateHeaderValue(name, item);
    } catch (error) {
      throw new DownloadError('INTERNAL_ERROR', undefined, {
        cause: new TypeError(`response header ${JSON.stringify(name)} has a value Node cannot send (${JSON.stringify(value)}); it came from the record or the headers hook`, { cause: error }),
      });
    }
  }
}
