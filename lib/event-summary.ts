import type { DownloadEvent } from './options/types';
import type { FileRecord } from './types';

/**
 * One event as a log line wants it: flat, small and safe to write anywhere.
 * Never the request, the token (the URL's query), the principal or the file
 * record; only what says what happened, to which file and link, and how.
 */
export interface EventSummary {
  type: DownloadEvent['type'];
  method: string;
  /** The request path without its query: a signed URL's token is in the query. */
  path: string;
  fileId: string | undefined;
  tenant: string | undefined;
  /** The HTTP status answered (issued: 200, redirected: 307). */
  status: number | undefined;
  /** The link's unique id (`jti`): issue and every use of one link share it. */
  jti?: string | undefined;
  /** To whom the link was given (`sub`). */
  subject?: string | undefined;
  mode?: 'signed' | 'presigned';
  expires?: number;
  maxUses?: number | undefined;
  bound?: boolean;
  signed?: boolean;
  bytes?: number;
  range?: { start: number; end: number } | undefined;
  durationMs?: number;
  aborted?: boolean;
  offloaded?: boolean;
  uses?: number | undefined;
  /** Within a grace period after the link's expiry. */
  late?: boolean;
  expiresIn?: number;
  /** Denied and failed events: the stable code, the public message and the internal reason. */
  code?: string;
  message?: string;
  cause?: string | undefined;
}

function pathOf(url: string): string {
  const mark = url.indexOf('?');
  return mark === -1 ? url : url.slice(0, mark);
}

/**
 * The event without the request or the token, for logs:
 * `onEvent: (event) => log.info(eventSummary(event))`. A whole event is
 * mostly the Express request (about 10 KB as JSON) and carries the signed
 * URL's token, which a log must not.
 */
export function eventSummary<Principal, File extends FileRecord>(event: DownloadEvent<Principal, File>): EventSummary {
  const { req } = event;
  const base: EventSummary = {
    type: event.type,
    method: req.method,
    path: pathOf(req.originalUrl ?? req.url),
    fileId: event.fileId,
    tenant: event.tenant,
    status: event.type === 'issued' ? 200 : event.type === 'redirected' ? 307 : event.status,
  };
  switch (event.type) {
    case 'issued':
      return { ...base, mode: event.mode, expires: event.expires, jti: event.jti, subject: event.subject, maxUses: event.maxUses, bound: event.bound };
    case 'served':
      return {
        ...base,
        signed: event.signed, bytes: event.bytes, range: event.range, durationMs: Math.round(event.durationMs * 10) / 10,
        aborted: event.aborted, offloaded: event.offloaded, uses: event.uses,
        jti: event.claims?.jti, subject: event.claims?.subject, late: event.claims?.expired === true,
      };
    case 'redirected':
      return { ...base, expiresIn: event.expiresIn };
    case 'denied':
    case 'failed': {
      const cause = event.error.cause;
      return { ...base, code: event.error.code, message: event.error.message, cause: cause instanceof Error ? cause.message : cause === undefined ? undefined : String(cause) };
    }
  }
}
