import type { Request } from 'express';
import type { HeaderMap, ServedEvent } from '../options/types';
import type { StorageAdapter } from '../storage/types';
import type { Disposition, FileRecord } from '../types';
import type { Validators } from './conditional';
import type { Representation } from './representation';
import type { TransferBudget } from './transfer-budget';

/** What a record states about its object, already checked (see `routers/file-record.ts`). */
export interface KnownMetadata {
  size?: number;
  etag?: string;
  lastModified?: Date;
}

/** Everything the engine needs to answer for one file. */
export interface ServeFileInput {
  file: FileRecord;
  key: string;
  known: KnownMetadata;
  storage: StorageAdapter;
  /** The disposition asked for; the engine downgrades unsafe inline types to attachment. */
  disposition: Disposition;
  isInlineSafe: (essence: string) => boolean;
  cacheControl: string;
  /** Host headers (from the `headers` hook); applied last. */
  headers: HeaderMap | undefined;
  json: false | JsonMode;
  /** Memory for streaming bodies, shared with the other transfers in flight. */
  budget: TransferBudget;
  formatResponse: ((body: JsonFileBody, file: FileRecord, req: Request) => unknown) | undefined;
  /**
   * Turns the file's own validator into the one this answer carries (the
   * signed route's per-link ETag); identity when absent.
   */
  linkTag?: ((validator: string) => string) | undefined;
  /** Header-only answers (HEAD, 304) leave out the ETag unless the request named it (a counted link's). */
  etagOnlyWithBytes?: boolean | undefined;
  /** Called once the answer is decided and before anything is sent; it may refuse by throwing (the signed route's grace and use limits). */
  admit?: ((admission: Admission) => Promise<void>) | undefined;
  /** Called once when the response is over, successful or not. */
  onServed: (outcome: Pick<ServedEvent, 'status' | 'bytes' | 'range' | 'aborted'>) => void;
}

/** What a gate is told before the engine answers. */
export interface Admission {
  /** A Range request whose If-Range names the current representation: the rest of a transfer already begun. */
  continuation: boolean;
  /** The answer carries the file's bytes (GET with 200 or 206), not headers only (HEAD, 304) or an error (412, 416). */
  delivers: boolean;
  /** The answer is 304: the client's copy is current (If-None-Match / If-Modified-Since). */
  revalidated: boolean;
}

/** JSON mode as the engine runs it: the size cap and the shared budget of bytes held for encoding. */
export interface JsonMode {
  maxBytes: number;
  budget: { acquire(bytes: number): Promise<() => void> };
}

/** The default JSON-mode body. */
export interface JsonFileBody {
  contentType: string;
  /** Base64 of the whole file. */
  data: string;
  filename: string | undefined;
  size: number;
}

/** What the engine knows about the object once it is open. */
export interface ObjectInfo extends Validators {
  size: number;
  representation: Representation;
}
