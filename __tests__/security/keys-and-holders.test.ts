// Security review of 0.4.0, over HTTP: moving from `secret` to `keys` keeps
// every live link, and links bound to one holder cannot be told apart.
import express from 'express';
import request from 'supertest';
import { createDownloads, createSigner, memoryStorage, type Signer } from '../../lib';
import { binary } from '../helpers/app';
import { holderHashV040, hs256Token } from '../helpers/v040-tokens';

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

describe('bound links: one holder hash per link', () => {
  const app = appWith(createSigner({ secret: OLD }), true);
  const hbOf = (link: string) => {
    const token = new URLSearchParams(link.split('?')[1]).get('token')!;
    return (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { hb: string }).hb;
  };

  test('two links issued to one session carry different holder hashes, and each opens for that session only', async () => {
    const first = await issue(app, 'sid=session-A');
    const second = await issue(app, 'sid=session-A');
    expect(hbOf(first)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(hbOf(second)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(hbOf(first)).not.toBe(hbOf(second));
    for (const link of [first, second]) {
      const mine = await download(app, link, 'theme=dark; sid=session-A');
      expect(mine.status).toBe(200);
      expect(mine.body).toEqual(BODY);
      for (const cookie of ['sid=session-B', undefined]) {
        const res = await request(app).get(link).set(cookie === undefined ? {} : { Cookie: cookie });
        expect(res.status).toBe(401);
        expect(res.body).toEqual(REFUSED);
      }
    }
  });

  test("a link 0.4.0 bound (the holder's hash alone) opens for its session until it expires, for no other; new links never carry that form", async () => {
    const now = Math.floor(Date.now() / 1000);
    const hb = holderHashV040(OLD, 'session-A');
    const token = hs256Token(OLD, { fid: 'r', scp: '/files/r/content', iat: now, exp: now + 600, jti: 'issued-by-0.4.0', hb });
    const link = `/files/r/content?token=${token}&expires=${now + 600}`;
    expect((await download(app, link, 'sid=session-A')).status).toBe(200);
    expect((await request(app).get(link).set({ Cookie: 'sid=session-B' })).body).toEqual(REFUSED);
    expect(hbOf(await issue(app, 'sid=session-A'))).not.toBe(hb);
  });

  test('after rotating from `secret` to `keys`, a link bound under the old secret still opens for its session only', async () => {
    const link = await issue(app, 'sid=session-A');
    const rotated = appWith(createSigner({ keys: [{ kid: 'k2', alg: 'HS256', secret: NEW }, { alg: 'HS256', secret: OLD }] }), true);
    expect((await download(rotated, link, 'sid=session-A')).status).toBe(200);
    expect((await request(rotated).get(link).set({ Cookie: 'sid=session-B' })).body).toEqual(REFUSED);
  });
});
