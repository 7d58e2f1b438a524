import { Injectable } from '@nestjs/common';
import type { User } from './auth.service.js';

export interface Document {
  id: string;
  /** The organisation: the library answers 404 when it is not the request's `:orgId`. */
  tenant: string;
  title: string;
  /** Where the bytes are, under files/ (storage keys are the org's directory plus the file name). */
  key: string;
  filename: string;
  /** Links issued before this instant stop working (see revokeLinks). */
  linksValidAfter?: Date | undefined;
}

/**
 * The documents of every organisation. A real app reads a database here; the
 * downloads provider and the controllers share this one service, so a
 * document is found, and access decided, the same way on every route.
 */
@Injectable()
export class DocumentsService {
  private readonly documents = new Map<string, Document>([
    ['acme/q3-report', { id: 'q3-report', tenant: 'acme', title: 'Q3 board report', key: 'acme/q3-report.txt', filename: 'acme-q3-report.txt' }],
    ['acme/roadmap', { id: 'roadmap', tenant: 'acme', title: 'Roadmap', key: 'acme/roadmap.txt', filename: 'roadmap.txt' }],
    ['acme/notes', { id: 'notes', tenant: 'acme', title: 'Notes (HTML)', key: 'acme/notes.html', filename: 'notes.html' }],
    ['globex/payroll', { id: 'payroll', tenant: 'globex', title: 'Payroll', key: 'globex/payroll.txt', filename: 'payroll.txt' }],
  ]);

  /** One organisation's document, or null: an id of another organisation is not found, never forbidden. */
  find(orgId: string, id: string): Document | null {
    return this.documents.get(`${orgId}/${id}`) ?? null;
  }

  /** Many at once (the batch endpoint's single lookup). */
  findMany(orgId: string, ids: readonly string[]): Document[] {
    return ids.map((id) => this.find(orgId, id)).filter((doc): doc is Document => doc !== null);
  }

  list(orgId: string): Document[] {
    return [...this.documents.values()].filter((doc) => doc.tenant === orgId);
  }

  /** Members read their organisation's documents. */
  canRead(user: User, doc: Document): boolean {
    return user.orgIds.includes(doc.tenant);
  }

  revokeLinks(doc: Document): Date {
    doc.linksValidAfter = new Date();
    return doc.linksValidAfter;
  }
}
