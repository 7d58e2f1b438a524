// Archives: "download this folder" as one signed ZIP link. An Express 5 app
// whose files live on local disk; a project's files are issued as one
// archive (each authorized like a single file), served with an exact
// length and resumable with Range (curl -C -), or deflated for text.
import { fileURLToPath } from 'node:url';
import express from 'express';
import { createDownloads, createSigner, DownloadError, fsStorage } from 'express-signed-downloads';
import { own } from '../shared/own.mjs';

const records = {
  report: { id: 'report', key: 'acme/report-q3.txt', filename: 'Reports/Q3 report.txt', tenant: 'acme', ownerId: 'ada' },
  revenue: { id: 'revenue', key: 'acme/revenue.csv', filename: 'Reports/revenue.csv', tenant: 'acme', ownerId: 'ada' },
  notes: { id: 'notes', key: 'acme/kickoff-notes.md', filename: 'Notes/kick-off.md', tenant: 'acme', ownerId: 'ada' },
  video: { id: 'video', key: 'acme/site-visit.mp4', filename: 'Site visit.mp4', tenant: 'acme', ownerId: 'ada' },
  secret: { id: 'secret', key: 'acme/report-q3.txt', filename: 'HR/salaries.txt', tenant: 'acme', ownerId: 'grace' },
};
/** The host's folders: a folder id resolves to its files (the selection a hook makes). */
const projects = { launch: ['report', 'revenue', 'notes'] };
const users = { 'ada-key': { id: 'ada' }, 'grace-key': { id: 'grace' } };

/** Builds the app; `secret` signs the URLs. */
export function createApp({ secret }) {
  const downloads = createDownloads({
    storage: fsStorage({ root: fileURLToPath(new URL('./files', import.meta.url)) }),
    signer: createSigner({ secret }),
    findFile: (id) => own(records, id),
    // One query for the whole archive, as a database would answer it.
    findFiles: (ids) => ids.map((id) => own(records, id)),
    authenticate: (req) => own(users, req.get('x-api-key') ?? ''),
    tenant: (req) => req.params.orgId,
    authorize: (_req, file, user) => file.ownerId === user.id,
  });

  const app = express();
  const orgs = '/orgs/:orgId';
  app.use(
    `${orgs}/files`,
    // POST /orgs/acme/files/archive-url { "file_ids": [...], "filename"?: "..." }  (X-API-Key)
    // The router reads its JSON body itself (malformed JSON is its 422, not Express's error page).
    downloads.issueArchiveUrl({ maxFiles: 1000, maxBytes: 2 * 1024 ** 3 }),
    // GET /orgs/acme/files/archives/content?token=…&expires=…
    downloads.serveSignedArchive(),
  );
  // A folder as the selection: POST /orgs/acme/projects/launch/export → the project's documents, deflated
  // (text compresses; a video would not, so media stays in stored archives).
  app.use(
    `${orgs}/projects/:projectId`,
    downloads.issueArchiveUrl({
      path: '/export',
      fileIds: (req) => {
        const files = own(projects, req.params.projectId);
        if (files === null) throw new DownloadError('FILE_NOT_FOUND', 'No such project.');
        return files;
      },
      filename: (req) => `${req.params.projectId} export`,
      compression: 'deflate',
      // The serving route of the files mount: links name it.
      downloadUrl: (req) => `/orgs/${encodeURIComponent(req.params.orgId)}/files/archives/content`,
    }),
  );
  return { app, downloads };
}
