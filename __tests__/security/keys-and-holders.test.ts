// Security review of 0.4.0, over HTTP: moving from `secret` to `keys` keeps
// every live link, and links bound to one holder cannot be told apart.
import express from 'express';
import request from 'supertest';
import { createDownloads, createSigner, memoryStorage, type Signer } from '../../lib';
import { binary } from '../helpers/app';

const OLD = 'old-secret-that-is-at-least-32-bytes-long!';
const NEW = 'new-secret-that-is-at-least-32-bytes-long!';
const BODY = Buffer.from('quarterly report');
const storage = memoryStorage().put('r.txt', BODY, { contentType: 'text/plain' });
const REFUSED = { error: { code: 'TOKEN_INVALID', message: 'The download link has expired or is invalid.', status: 401 } };

/** The issuing and the signed route of one app; `bindTo` reads the session from the `sid` cookie when `bind` is set. */
function appWith(signer: Signer, bind = false) {
  const downloads = createDownloads({
    storage, signer,
    findFile: (id) => (id === 'r' ? { id: 'r', key: 'r.txt' } : null),
    authenticate: (req) => req.get('x-user') ?? null,
    authorize: () => true,
    ...(bind ? { bindTo: (req: express.Request) => /(?:^|;\s*)sid=([^;]+)/.exec(req.get('cookie') ?? '')?.[1] } : {}),
  });
  const app = express();
  app.use('/files', downloads.issueDownloadUrl(), downloads.serveSignedDownload());
  return app;
}

/** A link as the app issues it: path and query. */
async function issue(app: express.Express, cookie?: string): Promise<string> {
  const res = await request(app).get('/files/r/download-url').set({ 'X-User': 'u1', ...(cookie === undefined ? {} : { Cookie: cookie }) });
  expect(res.status).toBe(200);
  const url = new URL(res.body.download_url as string);
  return url.pathname + url.search;
}

const download = (app: express.Express, link: string, cookie?: string) =>
  request(app).get(link).set(cookie === undefined ? {} : { Cookie: cookie }).buffer(true).parse(binary);

describe('rotating from `secret` to `keys`', () => {
  const before = appWith(createSigner({ secret: OLD }));
  const rotated = appWith(createSigner({ keys: [{ kid: 'k2', alg: 'HS256', secret: NEW }, { alg: 'HS256', secret: OLD }] }));
  const retired = appWith(createSigner({ keys: [{ kid: 'k2', alg: 'HS256', secret: NEW }] }));

  test('a link issued before the rotation is served after it, and refused once the old secret is dropped', async () => {
    const link = await issue(before);
    const served = await download(rotated, link);
    expect(served.status).toBe(200);
    expect(served.body).toEqual(BODY);
    const refused = await request(retired).get(link);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual(REFUSED);
  });

  test('links issued after the rotation are signed by the new key, which the retired configuration still serves', async () => {
    const link = await issue(rotated);
    const token = new URLSearchParams(link.split('?')[1]).get('token')!;
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'esd-download+jwt', kid: 'k2' });
    expect((await download(retired, link)).status).toBe(200);
  });
});
