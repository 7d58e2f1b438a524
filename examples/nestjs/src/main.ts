// Starts the NestJS example on 127.0.0.1 (PORT, default 3000; 0 picks a free
// port) and prints how to try it. Build and run: npm run example:nestjs
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { AppExceptionFilter } from './exception.filter.js';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { logger: ['error', 'warn'] });
  app.disable('x-powered-by');
  app.setGlobalPrefix('api');
  // EXCEPTION_FILTER=nest leaves Nest's default filter in place: it answers the
  // library's refusals with their status too (DownloadError has statusCode and expose).
  if (process.env.EXCEPTION_FILTER !== 'nest') app.useGlobalFilters(new AppExceptionFilter());
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const docs = `${base}/api/orgs/acme/documents`;
  console.log(`listening on ${base}

express-signed-downloads NestJS example (Nest 11, Express platform)
Errors: ${process.env.EXCEPTION_FILTER === 'nest' ? "Nest's default exception filter" : 'the app filter (EXCEPTION_FILTER=nest to see Nest\'s default one)'}
Use counts: ${process.env.REDIS_URL === undefined ? 'in this process (set REDIS_URL=redis://127.0.0.1:6379 to share them through Redis)' : `Redis at ${process.env.REDIS_URL}`}

1. alice's documents in acme, each with a 5-minute link (a Nest controller using signUrl):
   curl -s -H 'Authorization: Bearer alice-token' ${docs}

2. A single-use link (the library's issueDownloadUrl, mounted as middleware), then use it twice (200, then 410):
   URL=$(curl -s -H 'Authorization: Bearer alice-token' ${docs}/q3-report/download-url | node -pe 'JSON.parse(require("fs").readFileSync(0)).download_url')
   curl -s "$URL"; curl -s "$URL"

3. Links for several documents in one request (ids of other organisations are 404 entries):
   curl -s -H 'Authorization: Bearer alice-token' -H 'Content-Type: application/json' -d '{"file_ids":["q3-report","roadmap","payroll"]}' ${docs}/download-urls

4. Downloads for a logged-in user (no link), with Range; an HTML file is always an attachment:
   curl -s -r 0-3 -H 'Authorization: Bearer alice-token' ${docs}/q3-report/download
   curl -s -D - -o /dev/null -H 'Authorization: Bearer alice-token' ${docs}/notes/download

5. Errors in the app's one envelope, from the library (401: no token, or not a member of acme) and from Nest (401):
   curl -s ${docs}/q3-report/download; curl -s -H 'Authorization: Bearer bob-token' ${docs}/q3-report/download; curl -s ${docs}

Press Ctrl+C to stop.`);
}

void bootstrap();
