import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { deflatedArchive, type DeflatedPlan } from '../archives/deflated-archive';
import type { HeaderMap, ServedEvent } from '../options/types';
import type { FileRecord } from '../types';
import { checkHeaders } from './check-headers';
import { represent } from './representation';
import { contentHeaders } from './serve-file';
import type { Admission } from './types';

/** How the signed archive route answers, beside the archive itself. */
export interface DeflatedAnswer {
  file: FileRecord;
  isInlineSafe: (essence: string) => boolean;
  cacheControl: string;
  headers: HeaderMap;
  admit: ((admission: Admission) => Promise<void>) | undefined;
  served: (outcome: Pick<ServedEvent, 'status' | 'bytes' | 'range' | 'aborted'>) => void;
}

/**
 * Sends a deflated archive as it is made: 200, chunked, `Accept-Ranges:
 * none` (a `Range` or a validator gets the whole archive: there is no length
 * to range over, and no two runs need give the same bytes). Back-pressure
 * holds the reading of members to what the client takes. A member failing
 * part-way destroys the connection, so the client never takes a cut
 * archive for a whole one (the chunked body lacks its last chunk).
 */
export async function sendDeflated(req: Request, res: Response, answer: DeflatedAnswer, plan: DeflatedPlan): Promise<void> {
  const representation = represent(answer.file, answer.file.filename!, undefined, 'attachment', answer.isInlineSafe);
  const headers = { ...contentHeaders(representation, answer.cacheControl), 'Accept-Ranges': 'none', ...answer.headers };
  checkHeaders(headers);
  const delivers = req.method !== 'HEAD';
  // Every download counts: none can be told from a continuation.
  await answer.admit?.({ continuation: false, delivers, revalidated: false });
  res.writeHead(200, headers as Record<string, string>);
  if (!delivers) {
    res.end();
    answer.served({ status: 200, bytes: 0, range: undefined, aborted: false });
    return;
  }
  let bytes = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of deflatedArchive(plan)) {
      bytes += chunk.length;
      yield chunk;
    }
  }
  let aborted = false;
  try {
    await pipeline(Readable.from(counted(), { objectMode: false }), res);
  } catch {
    aborted = true;
    res.destroy();
  }
  answer.served({ status: 200, bytes, range: undefined, aborted });
}
