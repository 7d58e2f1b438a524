import type { Request, Response } from 'express';
import { emitEvent } from '../http/events';
import { serveFile, type JsonFileBody } from '../http/serve-file';
import type { Settings } from '../options/settings';
import type { HeaderMap } from '../options/types';
import type { Disposition, FileRecord } from '../types';
import type { DownloadableFile } from './access';
import type { RequestContext } from './context';

/** How one serving router differs from the other. */
export interface ServeMode {
  signed: boolean;
  disposition: Disposition;
  cacheControl: string;
  /** Router headers that sit under the host's `headers` hook. */
  headers?: HeaderMap;
  formatResponse: ((body: JsonFileBody, file: FileRecord, req: Request) => unknown) | undefined;
}

/** Hands a checked file to the engine and reports the outcome as a `served` event. */
export async function serveRecord(req: Request, res: Response, settings: Settings, context: RequestContext, target: DownloadableFile, mode: ServeMode): Promise<void> {
  const hostHeaders = settings.headers === undefined ? undefined : await settings.headers(target.file, req);
  await serveFile(req, res, {
    file: target.file,
    key: target.key,
    known: target.known,
    storage: settings.storage,
    disposition: mode.disposition,
    isInlineSafe: settings.isInlineSafe,
    cacheControl: mode.cacheControl,
    headers: mode.headers === undefined ? hostHeaders : { ...mode.headers, ...hostHeaders },
    json: settings.json,
    budget: settings.budget,
    formatResponse: mode.formatResponse,
    onServed: (outcome) =>
      emitEvent(settings.onEvent, {
        type: 'served',
        req,
        fileId: context.fileId,
        tenant: context.tenant,
        signed: mode.signed,
        durationMs: performance.now() - context.started,
        ...outcome,
      }),
  });
}
