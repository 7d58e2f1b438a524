import type { Request } from 'express';
import { DownloadError } from '../errors';

type TrustFn = (address: string | undefined, hop: number) => boolean;

const HOST_PATTERN = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?$/;

function invalidHeader(parameter: string): DownloadError {
  return new DownloadError('VALIDATION_ERROR', `The request has no usable ${parameter} header.`, { details: { parameter, in: 'header', reason: 'invalid' } });
}

/**
 * `protocol://host` of the request as the client saw it. `X-Forwarded-Host`
 * and `X-Forwarded-Proto` count only when the app's `trust proxy` setting
 * trusts the peer, exactly as Express 5's `req.host` and `req.protocol`
 * decide (Express 4's `req.host` drops the port, so neither version's getter
 * can be used for both). Both end up in a URL handed to the client, so
 * anything but a plain `host[:port]` and `http`/`https` is 422 (issue 7, #9).
 */
export function requestOrigin(req: Request, allowedHosts?: ReadonlySet<string>): string {
  const trust = req.app.get('trust proxy fn') as TrustFn | undefined;
  let host = req.headers.host;
  const forwarded = req.headers['x-forwarded-host'];
  if (typeof forwarded === 'string' && forwarded !== '' && trust?.(req.socket.remoteAddress, 0) === true) {
    host = forwarded.split(',')[0]!.trim();
  }
  const match = host === undefined ? null : HOST_PATTERN.exec(host);
  if (match === null || (match[1] !== undefined && Number(match[1]) > 65535)) throw invalidHeader('Host');
  const protocol = req.protocol.toLowerCase();
  if (protocol !== 'http' && protocol !== 'https') throw invalidHeader('X-Forwarded-Proto');
  // The pattern admits names the URL standard refuses (`a.1`, `1.2.3.4.5`, `[::1::]`): let it decide.
  let url: URL;
  try {
    url = new URL(`${protocol}://${host}`);
  } catch {
    throw invalidHeader('Host');
  }
  if (allowedHosts !== undefined && !allowedHosts.has(url.host)) {
    throw new DownloadError('VALIDATION_ERROR', 'The request is for a host this app does not serve.', { details: { parameter: 'Host', in: 'header', reason: 'not_allowed' } });
  }
  return url.origin;
}
