import { createDownloads, createSigner, DownloadError, ErrorCode, fsStorage, issueDownloadUrl, memoryStorage, redirectToPresigned, serveDownload, serveSignedDownload } from '../../lib';
import { signer } from '../helpers/app';

const base = { storage: memoryStorage(), findFile: () => null };

describe('routers validate their options at start-up', () => {
  test.each([
    ['serveDownload without authorize', () => serveDownload(base as never), /`authorize` is required.*\(\) => true/],
    ['issueDownloadUrl without authorize', () => issueDownloadUrl({ ...base, signer } as never), /`authorize` is required/],
    ['redirectToPresigned without authorize', () => redirectToPresigned(base as never), /`authorize` is required/],
    ['issueDownloadUrl without signer', () => issueDownloadUrl({ ...base, authorize: () => true }), /`signer` is required.*createSigner/],
    ['serveSignedDownload without signer', () => serveSignedDownload(base as never), /`signer` is required/],
    ['a missing findFile', () => serveDownload({ storage: memoryStorage(), authorize: () => true } as never), /`findFile` is required/],
    ['a missing storage', () => serveDownload({ findFile: () => null, authorize: () => true } as never), /`storage` is required.*fsStorage/],
    ['a typo', () => serveDownload({ ...base, authorize: () => true, authorise: () => true } as never), /unknown option `authorise`. Did you mean `authorize`\?/],
    ['expiresIn above maxExpiresIn', () => issueDownloadUrl({ ...base, signer, authorize: () => true, expiresIn: 7200, maxExpiresIn: 3600 }), /`expiresIn` must be an integer number of seconds from 1 to 3600/],
    ['maxExpiresIn above 7 days', () => issueDownloadUrl({ ...base, signer, authorize: () => true, maxExpiresIn: 604801 }), /`maxExpiresIn` must be an integer number of seconds from 1 to 604800/],
    ['a bad disposition', () => serveDownload({ ...base, authorize: () => true, disposition: 'download' as never }), /`disposition` must be 'inline', 'attachment'/],
    ['bad inlineTypes', () => serveDownload({ ...base, authorize: () => true, inlineTypes: ['png'] }), /`inlineTypes` must be an array of content types/],
    ['bad json', () => serveDownload({ ...base, authorize: () => true, json: { maxBytes: -1 } }), /`json` must be false or \{ maxBytes \}/],
    ['a path without a slash', () => serveDownload({ ...base, authorize: () => true, path: 'download' }), /`path` must be a string starting with '\/'/],
    ['a bad publicBaseUrl', () => issueDownloadUrl({ ...base, signer, authorize: () => true, publicBaseUrl: 'files.example.com' }), /`publicBaseUrl` must be an absolute http\(s\) URL/],
    ['presigned mode on a storage without presign', () => issueDownloadUrl({ ...base, authorize: () => true, mode: 'presigned' }), /mode 'presigned' needs a storage with presign\(\)/],
    ['a bad method', () => issueDownloadUrl({ ...base, signer, authorize: () => true, method: 'PUT' as never }), /`method` must be 'GET' or 'POST'/],
    ['a hook that is not a function', () => serveDownload({ ...base, authorize: () => true, onEvent: 'log' as never }), /`onEvent` must be a function/],
    ['createDownloads with a typo', () => createDownloads({ ...base, findfile: 1 } as never), /Did you mean `findFile`\?/],
    ['fsStorage on a missing root', () => fsStorage({ root: '/no/such/dir' }), /does not exist; create it or fix the path/],
    ['a router with no options', () => issueDownloadUrl(undefined as never), /issueDownloadUrl: pass an options object with at least findFile and storage/],
    ['the secret given to createDownloads', () => createDownloads({ ...base, secret: 'x'.repeat(40) } as never), /unknown option `secret`. The secret belongs to the signer: pass `signer: createSigner\(\{ secret \}\)`/],
    ['keys given to a router', () => serveSignedDownload({ ...base, keys: [] } as never), /unknown option `keys`. Keys belong to the signer: pass `signer: createSigner\(\{ keys \}\)`/],
    ['root given to a router', () => serveDownload({ ...base, authorize: () => true, root: '/srv' } as never), /unknown option `root`. The directory belongs to the storage: pass `storage: fsStorage\(\{ root \}\)`/],
    ['a secret from an unset environment variable', () => createSigner({ secret: process.env.ESD_TEST_NEVER_SET }), /`secret` is undefined, most likely an environment variable that is not set.*randomBytes\(32\)/],
    ['an empty secret', () => createSigner({ secret: '' }), /the secret is 0 bytes; HS256 needs at least 32.*randomBytes\(32\)/],
    ["createSigner's options passed as the signer", () => serveSignedDownload({ ...base, signer: { secret: 'x'.repeat(40) } } as never), /`signer` must be made by createSigner: pass signer: createSigner\(\{ secret \}\), not the options object itself/],
    ['maxUses given to the serving route', () => serveSignedDownload({ ...base, signer, maxUses: 1 } as never), /unknown option `maxUses`. It belongs to the routers that issue links \(issueDownloadUrl, issueDownloadUrls/],
    ['graceSeconds given to an issuing route', () => issueDownloadUrl({ ...base, signer, authorize: () => true, graceSeconds: 60 } as never), /unknown option `graceSeconds`. It belongs to serveSignedDownload/],
  ])('%s', (_name, make, message) => {
    expect(make).toThrow(message);
  });

  test('signUrl names its own option when baseUrl is relative', async () => {
    await expect(createDownloads({ ...base, signer }).signUrl({ fileId: 'a', baseUrl: '/files' })).rejects.toThrow(/signUrl: `baseUrl` must be an absolute http\(s\) URL without query or fragment, e.g. 'https:\/\/app.example.com\/orgs\/acme\/files'/);
  });

  test('a router option given as undefined is not given: the shared one stands', () => {
    const downloads = createDownloads({ ...base, signer, authorize: () => true });
    expect(typeof downloads.serveDownload({ authorize: undefined })).toBe('function');
    expect(typeof downloads.issueDownloadUrl({ authorize: undefined, publicBaseUrl: undefined, maxUses: undefined })).toBe('function');
    expect(() => serveDownload({ ...base, authorize: undefined } as never)).toThrow(/`authorize` is required/);
  });

  test('createDownloads binds shared options and lets each router override them', () => {
    const downloads = createDownloads({ ...base, signer, authorize: () => true });
    expect(typeof downloads.issueDownloadUrl()).toBe('function');
    expect(typeof downloads.serveSignedDownload({ path: '/:fileId/raw' })).toBe('function');
    expect(typeof downloads.serveDownload({ authorize: () => false })).toBe('function');
    expect(typeof downloads.redirectToPresigned()).toBe('function');
  });
});

describe('DownloadError', () => {
  test('status follows from the code, the cause stays internal', () => {
    const cause = new Error('internal');
    const error = new DownloadError('FILE_NOT_FOUND', undefined, { cause });
    expect(error).toMatchObject({ name: 'DownloadError', code: 'FILE_NOT_FOUND', status: 404, message: 'File not found.', cause });
  });

  test('every documented code has its status', () => {
    expect(ErrorCode).toEqual({
      UNAUTHENTICATED: 401, TOKEN_INVALID: 401, ACCESS_DENIED: 403, FILE_ID_REQUIRED: 400, VALIDATION_ERROR: 422,
      FILE_NOT_FOUND: 404, LINK_USED_UP: 410, FILE_NOT_DOWNLOADABLE: 409, PRECONDITION_FAILED: 412, RANGE_NOT_SATISFIABLE: 416,
      FILE_LOCKED: 423, JSON_TOO_LARGE: 406, STORAGE_ERROR: 500, INTERNAL_ERROR: 500, STORAGE_NOT_CONFIGURED: 503,
      USE_STORE_UNAVAILABLE: 503, TENANT_SUSPENDED: 403, TENANT_GONE: 410,
      IMAGE_UNSUPPORTED: 415, IMAGE_INVALID: 422, RENDER_BUSY: 503, RENDER_FAILED: 500,
    });
  });

  test('an unknown code throws', () => {
    expect(() => new DownloadError('NOPE' as never)).toThrow(/NOPE is not a library code/);
  });
});
