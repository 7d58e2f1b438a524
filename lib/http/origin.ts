import type { Request } from 'express';
import { DownloadError } from '../errors';

type TrustFn = (address: string | undefined, hop: number) => boolean;

const HOST_PATTERN = /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$/;

/**
 * `protocol://host` of the request as the client saw it. `X-Forwarded-Host`
 * counts only when the app's `trust proxy` setting trusts the peer, exactly
 * as Express 5's `req.host` decides (Express 4's `req.host` drops the port,
 * so neither version's getter can be used for both).
 */
export function requestOrigin(req: Request): string {
  const trust = req.app.get('trust proxy fn') as TrustFn | undefined;
  let host = req.headers.host;
  const forwarded = req.headers['x-forwarded-host'];
  if (typeof forwarded === 'string' && forwarded !== '' && trust?.(req.socket.remoteAddress, 0) === true) {
    host = forwarded.split(',')[0]!.trim();
  }
  // The host ends up in a URL handed to the client: refuse anything that is not a plain host[:port].
  if (host === undefined || !HOST_PATTERN.test(host)) {
    throw new DownloadError('VALIDATION_ERROR', 'The request has no usable Host header.', { details: { parameter: 'Host', in: 'header', reason: 'invalid' } });
  }
  return `${req.protocol}://${host}`;
}
