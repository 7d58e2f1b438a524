import { Controller, Get, Inject, NotFoundException, Param, Post, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { AuthGuard } from './auth.guard.js';
import type { User } from './auth.service.js';
import { DocumentsService } from './documents.service.js';
import { DOWNLOADS, type AppDownloads } from './downloads.provider.js';

/**
 * Nest's own routes beside the download middleware, under the same path.
 * The routes the middleware answers (…/download-url, …/content, …/download,
 * POST …/download-urls) never reach a controller.
 */
@Controller('orgs/:orgId/documents')
@UseGuards(AuthGuard)
export class DocumentsController {
  constructor(private readonly documents: DocumentsService, @Inject(DOWNLOADS) private readonly downloads: AppDownloads) {}

  /** The organisation's documents, each with a short-lived link made by signUrl: the page renders them as <a href>. */
  @Get()
  async list(@Param('orgId') orgId: string, @Req() req: Request & { user: User }) {
    if (!req.user.orgIds.includes(orgId)) throw new NotFoundException();
    const baseUrl = `${req.protocol}://${req.get('host') ?? ''}${req.baseUrl}${req.path}`.replace(/\/$/, '');
    return Promise.all(this.documents.list(orgId).map(async (doc) => {
      const { url, expires } = await this.downloads.signUrl({ fileId: doc.id, baseUrl, tenant: orgId, expiresIn: 300, subject: req.user.id });
      return { id: doc.id, title: doc.title, download_url: url, expires_at: new Date(expires * 1000).toISOString() };
    }));
  }

  /** Every link to the document issued before now stops working. */
  @Post(':id/revoke-links')
  revoke(@Param('orgId') orgId: string, @Param('id') id: string, @Req() req: Request & { user: User }) {
    const doc = this.documents.find(orgId, id);
    if (doc === null || !this.documents.canRead(req.user, doc)) throw new NotFoundException();
    return { revoked_before: this.documents.revokeLinks(doc).toISOString() };
  }
}
