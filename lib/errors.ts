/**
 * Every failure the library reports is a `DownloadError` with a stable `code`.
 * Hosts branch on `code` (not `instanceof`, which breaks when two copies of the
 * package are installed); `status` always follows from the code.
 */

/** HTTP status for every error code. */
export const ErrorCode = {
  UNAUTHENTICATED: 401,
  TOKEN_INVALID: 401,
  ACCESS_DENIED: 403,
  TENANT_SUSPENDED: 403,
  FILE_ID_REQUIRED: 400,
  VALIDATION_ERROR: 422,
  FILE_NOT_FOUND: 404,
  LINK_USED_UP: 410,
  TENANT_GONE: 410,
  FILE_NOT_DOWNLOADABLE: 409,
  PRECONDITION_FAILED: 412,
  RANGE_NOT_SATISFIABLE: 416,
  FILE_LOCKED: 423,
  JSON_TOO_LARGE: 406,
  STORAGE_ERROR: 500,
  INTERNAL_ERROR: 500,
  STORAGE_NOT_CONFIGURED: 503,
  USE_STORE_UNAVAILABLE: 503,
  IMAGE_UNSUPPORTED: 415,
  IMAGE_INVALID: 422,
  RENDER_BUSY: 503,
  RENDER_FAILED: 500,
} as const;

/** One of the stable error codes, e.g. `'TOKEN_INVALID'`. */
export type ErrorCode = keyof typeof ErrorCode;

/** A library code, or a code of the host's own (e.g. `'QUOTA_EXCEEDED'`) thrown from a hook with a `status`. */
export type AnyErrorCode = ErrorCode | (string & NonNullable<unknown>);

const isLibraryCode = (code: unknown): code is ErrorCode => typeof code === 'string' && Object.prototype.hasOwnProperty.call(ErrorCode, code);

const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  UNAUTHENTICATED: 'Authentication is required.',
  TOKEN_INVALID: 'The download link has expired or is invalid.',
  ACCESS_DENIED: 'You do not have access to this file.',
  FILE_ID_REQUIRED: 'A file id is required.',
  VALIDATION_ERROR: 'The request is not valid.',
  FILE_NOT_FOUND: 'File not found.',
  LINK_USED_UP: 'This download link has been used as many times as it allows.',
  TENANT_SUSPENDED: 'This account is suspended; its files cannot be downloaded now.',
  TENANT_GONE: 'This account no longer exists.',
  FILE_NOT_DOWNLOADABLE: 'This file has no stored content to download.',
  PRECONDITION_FAILED: 'A precondition of the request failed.',
  RANGE_NOT_SATISFIABLE: 'The requested range cannot be satisfied.',
  FILE_LOCKED: 'This file is locked and cannot be downloaded.',
  JSON_TOO_LARGE: 'This file is too large to be returned as JSON.',
  STORAGE_ERROR: 'The file could not be read from storage.',
  INTERNAL_ERROR: 'Internal server error.',
  STORAGE_NOT_CONFIGURED: 'The storage does not support this kind of download.',
  USE_STORE_UNAVAILABLE: 'The download could not be counted; try again shortly.',
  IMAGE_UNSUPPORTED: 'This file is not an image that can be rendered.',
  IMAGE_INVALID: 'This image cannot be decoded.',
  RENDER_BUSY: 'Too many images are being rendered; try again shortly.',
  RENDER_FAILED: 'The image could not be rendered.',
};

/** Options for {@link DownloadError}. */
export interface DownloadErrorOptions {
  /** The internal reason: logged by the host, never sent to the client. */
  cause?: unknown | undefined;
  /** Machine-readable details safe to show (e.g. which query parameter was invalid). */
  details?: Record<string, unknown> | undefined;
  /** Headers the error response must carry, e.g. `Content-Range` on a 416. */
  headers?: Record<string, string> | undefined;
  /**
   * The HTTP status (400–599). Required with a code of your own; with a
   * library code it replaces that code's default status.
   */
  status?: number | undefined;
}

/**
 * The single error class of the library. `message` is safe to show to the
 * client; anything internal belongs in `cause`.
 */
export class DownloadError extends Error {
  /** Stable code, e.g. `'FILE_NOT_FOUND'`, or a host's own code. */
  readonly code: AnyErrorCode;
  /** The HTTP status: the code's default, or the one given. */
  readonly status: number;
  /** Safe, structured details (e.g. `{ parameter: 'expires_in' }`). */
  readonly details: Record<string, unknown> | undefined;
  /** Headers the error response must carry (e.g. `Content-Range: bytes *\/1234` on a 416). */
  readonly headers: Record<string, string> | undefined;
  /** The same as `status`, under the name http-errors and the frameworks that know it (NestJS, Koa) read. */
  readonly statusCode: number;
  /** True for a 4xx: `message` is meant for the client (http-errors' convention; a 5xx's message is generic anyway). */
  readonly expose: boolean;

  constructor(code: AnyErrorCode, message?: string, options: DownloadErrorOptions = {}) {
    const { status } = options;
    if (status !== undefined && !(Number.isInteger(status) && status >= 400 && status <= 599)) {
      throw new RangeError(`DownloadError: status must be an integer from 400 to 599, got ${String(status)}.`);
    }
    if (!isLibraryCode(code)) {
      if (typeof code !== 'string' || !/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(code)) {
        throw new TypeError(`DownloadError: code ${JSON.stringify(code)} must be a name such as 'QUOTA_EXCEEDED' (letters, digits, _ . -).`);
      }
      if (status === undefined) {
        throw new TypeError(`DownloadError: ${code} is not a library code (${Object.keys(ErrorCode).join(', ')}); a code of your own needs { status }, e.g. new DownloadError('${code}', 'message', { status: 429 }).`);
      }
    }
    super(message ?? (isLibraryCode(code) ? DEFAULT_MESSAGES[code] : code), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DownloadError';
    this.code = code;
    this.status = status ?? ErrorCode[code as ErrorCode];
    this.details = options.details;
    this.headers = options.headers;
    this.statusCode = this.status;
    this.expose = this.status < 500;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * Marks errors built by this package's constructor, in whichever copy of the
 * package (the symbol registry is shared): an object that merely looks like
 * one (name, code, status) is not trusted with a status or a message.
 */
const BRAND = Symbol.for('express-signed-downloads.DownloadError');

/** True for a `DownloadError` built by any copy of this package, and only for one. */
export function isDownloadError(value: unknown): value is DownloadError {
  if (typeof value !== 'object' || value === null || (value as { [BRAND]?: unknown })[BRAND] !== true) return false;
  const { code, status } = value as { code?: unknown; status?: unknown };
  return typeof code === 'string' && typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599;
}

/** Anything thrown by a host hook or by accident becomes an opaque INTERNAL_ERROR. */
export function toDownloadError(value: unknown): DownloadError {
  return isDownloadError(value) ? value : new DownloadError('INTERNAL_ERROR', undefined, { cause: value });
}
