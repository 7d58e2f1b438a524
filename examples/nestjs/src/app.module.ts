import { Inject, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { DocumentsController } from './documents.controller.js';
import { DocumentsService } from './documents.service.js';
import { DOWNLOADS, downloadsProvider, type AppDownloads } from './downloads.provider.js';
import { RedisLifecycle, redisProvider } from './redis.provider.js';

@Module({
  controllers: [DocumentsController],
  providers: [DocumentsService, AuthService, AuthGuard, redisProvider, RedisLifecycle, downloadsProvider],
})
export class AppModule implements NestModule {
  constructor(@Inject(DOWNLOADS) private readonly downloads: AppDownloads) {}

  /**
   * The routers are Express middleware, mounted on a path *prefix* with the
   * `:orgId` parameter: Nest mounts a plain path as Express's app.use does
   * (req.url is what follows it; the global prefix is added). A wildcard such
   * as 'orgs/:orgId/documents/*path' would make every request's url "/", and
   * every download a 404.
   */
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(
        this.downloads.issueDownloadUrl({ maxUses: 1, maxUsesParam: 5, expiresIn: 600 }),
        this.downloads.issueDownloadUrls({ maxBatch: 50, maxUses: 1, expiresIn: 600 }),
        this.downloads.serveSignedDownload({ graceSeconds: 60 }),
        this.downloads.serveDownload(),
      )
      .forRoutes('orgs/:orgId/documents');
  }
}
