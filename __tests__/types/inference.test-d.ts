// Type-level tests (checked by `npm run typecheck`, never run): the hooks see
// the host's own principal and record types with no annotation, and misuse
// does not compile.
import express from 'express';
import { createDownloads, createSigner, DownloadError, memoryStorage, serveDownload, type DownloadEvent, type FileRecord } from '../../lib';

interface Doc extends FileRecord {
  ownerId: string;
  sizeClass: 'small' | 'large';
}
interface User {
  id: string;
  roles: string[];
}
declare function loadDoc(id: string): Promise<Doc | undefined>;
declare function userFor(key: string | undefined): User | null;

const downloads = createDownloads({
  storage: memoryStorage(),
  signer: createSigner({ secret: 'x'.repeat(32) }),
  findFile: (id) => loadDoc(id),
  authenticate: (req) => userFor(req.get('x-api-key')),
  authorize: (_req, file, user) => file.ownerId === user.id || user.roles.includes('admin'),
  // The signed route authenticates no one: its tenant hook gets no principal.
  tenant: (_req, user) => user?.id,
  headers: (file) => ({ 'X-Size-Class': file.sizeClass }),
  disposition: (file) => (file.sizeClass === 'large' ? 'attachment' : 'inline'),
  subject: (user) => user.id,
  onEvent: (event) => {
    const principal: User | undefined = event.principal;
    const file: Doc | undefined = event.file;
    if (event.type === 'served') {
      const claims = event.claims?.subject;
      void claims;
    }
    void principal;
    void file;
  },
});

const app = express();
app.use('/files', downloads.issueDownloadUrl({ formatResponse: (body, file) => ({ url: body.download_url, owner: file.ownerId }) }));
app.use('/files', downloads.serveDownload({ formatResponse: (body, file) => ({ data: body.data, size: file.sizeClass }) }));

// Router factories infer the same way on their own.
serveDownload({
  storage: memoryStorage(),
  findFile: async (id) => loadDoc(id),
  authenticate: () => userFor('k'),
  authorize: (_req, file, user) => file.ownerId === user.id,
});

// A host error code with its status.
export const quota = new DownloadError('QUOTA_EXCEEDED', 'Quota reached.', { status: 429 });
export const events: DownloadEvent<User, Doc>[] = [];

createDownloads({
  storage: memoryStorage(),
  findFile: (id) => loadDoc(id),
  authenticate: (req) => userFor(req.get('x-api-key')),
  // @ts-expect-error a field the record does not have
  authorize: (_req, file) => file.owner === 'x',
});

createDownloads({
  storage: memoryStorage(),
  findFile: (id) => loadDoc(id),
  authenticate: (req) => userFor(req.get('x-api-key')),
  // @ts-expect-error a principal field that does not exist
  authorize: (_req, _file, user) => user.name === 'x',
});

createDownloads({
  storage: memoryStorage(),
  findFile: (id) => loadDoc(id),
  authenticate: (req) => userFor(req.get('x-api-key')),
  // @ts-expect-error the principal may be undefined (the signed route has none): a tenant read from it fails there
  tenant: (_req, user) => user.id,
});

createDownloads({
  storage: memoryStorage(),
  findFile: (id) => loadDoc(id),
  // @ts-expect-error authorize must return a boolean
  authorize: () => 'yes',
});

// Every optional field takes an explicit undefined (checked under exactOptionalPropertyTypes by the
// packed-tarball test): an unset environment variable, a condition, a database row's empty column.
declare const env: Record<string, string | undefined>;
declare const singleUse: boolean;
const explicit = createDownloads({
  storage: memoryStorage(),
  signer: createSigner({ secret: 'x'.repeat(32), clockTolerance: undefined, cache: undefined }),
  findFile: (id): Doc | null => ({ id, key: undefined, filename: undefined, contentType: undefined, size: undefined, tenant: env.ORG, ownerId: 'o', sizeClass: 'small' }),
  authorize: () => true,
  expiresIn: undefined,
  maxExpiresIn: undefined,
  tenant: undefined,
  onEvent: undefined,
});
app.use('/files', explicit.issueDownloadUrl({ publicBaseUrl: env.PUBLIC_BASE_URL, maxUses: singleUse ? 1 : undefined, path: undefined }));
app.use('/files', explicit.serveSignedDownload({ graceSeconds: undefined, sharedCache: undefined }));
export const signedUrl = explicit.signUrl({ fileId: 'report', baseUrl: 'https://files.example.com/files', tenant: env.ORG, maxUses: singleUse ? 1 : undefined, expiresIn: undefined });
export const storedRecord: FileRecord = { id: 'report', key: undefined, etag: undefined, lastModified: undefined, locked: undefined };

// Archives: the options are typed, and an archive's answer and events name its members.
downloads.issueArchiveUrl({
  maxFiles: 500,
  compression: 'deflate',
  fileIds: (req) => [String(req.params.folderId)],
  filename: () => 'export',
  formatResponse: (body) => ({ url: body.download_url, names: body.files.map((file) => file.name), size: body.size ?? null }),
});
downloads.serveSignedArchive({ graceSeconds: 600 });
// @ts-expect-error: no compression but store and deflate
downloads.issueArchiveUrl({ compression: 'zstd' });
const archiveEvents = (event: DownloadEvent): number => (event.type === 'served' || event.type === 'issued' ? (event.members ?? []).reduce((sum, member) => sum + member.size, 0) : 0);
void archiveEvents;
