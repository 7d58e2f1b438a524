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
      tenant: orgOf,
      authenticate: (req) => auth.userFromRequest(req),
      findFile: (id, req) => documents.find(orgOf(req) ?? '', id),
      findFiles: (ids, req) => documents.findMany(orgOf(req) ?? '', ids),
      authorize: (_req, doc, user) => documents.canRead(user, doc),
      // Counts shared by every instance through Redis; in this process when REDIS_URL is not set.
      useStore: redis === null ? memoryUseStore() : redisUseStore({ client: redis }),
      // Refusals go to next(err): the global exception filter answers them, as it answers Nest's own errors.
      errors: 'next',
      onEvent: (event) => console.log(JSON.stringify(eventSummary(event))),
    }),
};
