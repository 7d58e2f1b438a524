import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { FactoryProvider } from '@nestjs/common';
import type { Request } from 'express';
import { createDownloads, createSigner, eventSummary, fsStorage, memoryUseStore, type Downloads } from 'express-signed-downloads';
import { redisUseStore } from 'express-signed-downloads/redis';
import { AuthService, type User } from './auth.service.js';
import { DocumentsService, type Document } from './documents.service.js';
import { REDIS, type RedisClient } from './redis.provider.js';

/** The injection token of the app's one `createDownloads`. */
export const DOWNLOADS = Symbol('DOWNLOADS');

/** What the provider gives: routers for the middleware, and signUrl for controllers. */
export type AppDownloads = Downloads<User, Document>;

/** The tenant is the path's `:orgId`, never the user's session: a signed link is opened by someone who is not logged in. */
const orgOf = (req: Request): string | undefined => {
  const orgId = req.params.orgId;
  return typeof orgId === 'string' ? orgId : undefined;
};

export const downloadsProvider: FactoryProvider<AppDownloads> = {
  provide: DOWNLOADS,
  inject: [DocumentsService, AuthService, REDIS],
  useFactory: (documents: DocumentsService, auth: AuthService, redis: RedisClient | null): AppDownloads =>
    createDownloads({
      storage: fsStorage({ root: join(__dirname, '..', 'files') }),
      // A missing DOWNLOAD_SECRET gets a fresh one per start: links from an earlier run stop working.
      signer: createSigner({ secret: process.env.DOWNLOAD_SECRET ?? randomBytes(32).toString('base64url') }),
      // Only members of the path's organisation are anyone here: others get 401 for every id,
      // so they cannot tell the ids that exist (403) from those that do not (404).
      authenticate: (req) => {
        const user = auth.userFromRequest(req);
        return user !== null && user.orgIds.includes(orgOf(req) ?? '') ? user : null;
      },
      findFile: (id, req) => documents.find(orgOf(req) ?? '', id),
      findFiles: (ids, req) => documents.findMany(orgOf(req) ?? '', ids),
      tenant: orgOf,
      authorize: (_req, doc, user) => documents.canRead(user, doc),
      // Counts shared by every instance through Redis; in this process when REDIS_URL is not set.
      useStore: redis === null ? memoryUseStore() : redisUseStore({ client: redis }),
      // Refusals go to next(err): the global exception filter answers them, as it answers Nest's own errors.
      errors: 'next',
      // One JSON line per event, without the token (a bare event is about 10 KB).
      onEvent: (event) => console.log(JSON.stringify(eventSummary(event))),
    }),
};
