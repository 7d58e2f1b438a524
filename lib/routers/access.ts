import type { Request } from 'express';
import { DownloadError } from '../errors';
import type { Settings } from '../options/settings';
import type { KnownMetadata } from '../http/types';
import { isWellFormed } from '../http/unicode';
import type { FileRecord } from '../types';
import type { RequestContext } from './context';
import { isLocked, knownMetadata } from './file-record';
import { checkTenantState } from '../tenants/tenant-directory';
import { describeValue, wrongResult } from './hook-result';

const MAX_FILE_ID_LENGTH = 1024;

/** A record that passed every check, with its storage key and the metadata it states. */
export interface DownloadableFile {
  file: FileRecord;
  key: string;
  known: KnownMetadata;
}

/**
 * Runs `authenticate` when configured. Any falsy principal (`''`, `0`, `NaN`
 * as well as `null`/`undefined`/`false`) is 401: `req.get('x-api-key') &&
 * keys[...]` with an empty header must not authenticate (issue 7, #6).
 */
export async function authenticate(req: Request, settings: Settings): Promise<unknown> {
  if (settings.authenticate === undefined) return undefined;
  const principal: unknown = await settings.authenticate(req);
  if (!principal) throw new DownloadError('UNAUTHENTICATED');
  return principal;
}

/** Reads the file id and the tenant into `context`. */
export async function identify(req: Request, settings: Settings, context: RequestContext, principal: unknown): Promise<void> {
  context.fileId = checkedFileId(await settings.fileId(req));
  await resolveTenant(req, settings, context, principal);
}

/** A file id as the routers use it: a non-empty, well-formed string (a safe integer is taken as its digits); else 400/422. */
export function checkedFileId(fileId: unknown): string {
  if (fileId === undefined || fileId === null || fileId === '') throw new DownloadError('FILE_ID_REQUIRED');
  if (typeof fileId === 'number' && !(Number.isSafeInteger(fileId) && fileId >= 0)) {
    throw new DownloadError('VALIDATION_ERROR', 'A numeric file id must be a non-negative integer.', { details: { parameter: 'fileId', reason: 'not_an_integer' } });
  }
  if (typeof fileId !== 'string' && typeof fileId !== 'number') {
    throw new DownloadError('VALIDATION_ERROR', 'The file id must be a string.', { details: { parameter: 'fileId', reason: 'not_a_string' } });
  }
  const id = String(fileId);
  // A lone UTF-16 surrogate (from a JSON body) cannot be put in a URL or a token.
  if (!isWellFormed(id)) {
    throw new DownloadError('VALIDATION_ERROR', 'The file id is not well-formed Unicode.', { details: { parameter: 'fileId', reason: 'malformed' } });
  }
  if (id.length > MAX_FILE_ID_LENGTH) {
    throw new DownloadError('VALIDATION_ERROR', `The file id is longer than ${MAX_FILE_ID_LENGTH} characters.`, { details: { parameter: 'fileId', reason: 'too_long' } });
  }
  return id;
}

/** Runs the `tenant` hook into `context`. */
export async function resolveTenant(req: Request, settings: Settings, context: RequestContext, principal: unknown): Promise<void> {
  if (settings.tenant !== undefined) {
    const tenant: unknown = await settings.tenant(req, principal);
    const named = typeof tenant === 'string' && tenant !== '';
    context.tenant = named ? tenant : undefined;
    // Documented: no tenant, so every file is 404; the cause says why.
    if (!named) context.noTenant = `tenant returned ${describeValue(tenant)}; only a non-empty string names a tenant, so every file is 404`;
  }
}

/**
 * Finds the record and applies the tenant rule. With a `tenant` hook, a file
 * of another tenant or of none is "not found": failing closed, and without
 * telling a caller that the id exists elsewhere.
 */
export async function lookUp(req: Request, settings: Settings, context: RequestContext): Promise<FileRecord> {
  return acceptRecord(settings, context, await settings.findFile(context.fileId!, req));
}

/** What `findFile` (or `findFiles`) gave for `context.fileId`, checked: 404 for none or another tenant's. */
export function acceptRecord(settings: Settings, context: RequestContext, file: unknown, hook = 'findFile'): FileRecord {
  let refusal: string | undefined;
  if (file === null || file === undefined) refusal = NO_SUCH_FILE;
  else if (typeof file !== 'object' || Array.isArray(file)) throw wrongResult(hook, file, 'a FileRecord object, or null when there is no such file');
  else if (settings.tenant !== undefined && (context.tenant === undefined || (file as FileRecord).tenant !== context.tenant)) refusal = context.noTenant ?? OTHER_TENANT;
  // One refusal, built the same way for a missing file and another tenant's, so that a batch of
  // ids cannot tell them apart by time (issue 15).
  if (refusal !== undefined) throw new DownloadError('FILE_NOT_FOUND', undefined, { cause: new Error(refusal) });
  context.file = file as FileRecord;
  return file as FileRecord;
}

const NO_SUCH_FILE = 'the lookup found no such file';
const OTHER_TENANT = 'the file belongs to another tenant, or to none';

/** Locked files and records without stored content cannot be downloaded. */
export function downloadable(file: FileRecord): DownloadableFile {
  if (isLocked(file.locked)) throw new DownloadError('FILE_LOCKED');
  if (typeof file.key !== 'string' || file.key === '') throw new DownloadError('FILE_NOT_DOWNLOADABLE');
  return { file, key: file.key, known: knownMetadata(file) };
}

/**
 * The settings this request runs on: with `tenantConfig`, the tenant's own
 * (storage, keys, policy) laid over the shared ones. An unknown tenant is
 * answered like a missing file; a suspended or gone one with its own code.
 */
export async function settingsFor(settings: Settings, tenant: string | undefined, req: Request | undefined): Promise<Settings> {
  if (settings.tenants === undefined || tenant === undefined) return settings;
  const own = await settings.tenants.resolve(tenant, req);
  if (own === null) throw new DownloadError('FILE_NOT_FOUND', undefined, { cause: new Error(`tenantConfig knows no tenant ${JSON.stringify(tenant)}`) });
  checkTenantState(own.tenantPolicy);
  return own;
}

/**
 * The authenticated routers' chain: authenticate → body (`readBody`) → id & tenant → the
 * tenant's settings → read the request's own input (`readInput`, so bad
 * input is 422 only for an authenticated caller) → find → authorize →
 * downloadable. Returns the settings the rest of the request runs on.
 */
export async function authorizedFile<Input = undefined>(
  req: Request,
  shared: Settings,
  context: RequestContext,
  readInput?: (settings: Settings) => Input | Promise<Input>,
  readBody?: () => Promise<void>,
): Promise<DownloadableFile & { input: Input; settings: Settings }> {
  const principal = await authenticate(req, shared);
  context.principal = principal;
  // The id may be in the body (POST): read it only for an authenticated caller.
  await readBody?.();
  await identify(req, shared, context, principal);
  const settings = await settingsFor(shared, context.tenant, req);
  const input = (await readInput?.(settings)) as Input;
  const file = await lookUp(req, settings, context);
  await checkAuthorized(req, settings, file, principal);
  return { ...downloadable(file), input, settings };
}

/** Runs `authorize`: only a literal `true` allows; anything else is 403, with a cause when it was not `false`. */
export async function checkAuthorized(req: Request, settings: Settings, file: FileRecord, principal: unknown): Promise<void> {
  const allowed: unknown = await settings.authorize!(req, file, principal);
  if (allowed !== true) {
    const cause = allowed === false ? undefined : new TypeError(`authorize returned ${describeValue(allowed)}; only true allows, anything else is 403`);
    throw new DownloadError('ACCESS_DENIED', undefined, { cause });
  }
}
