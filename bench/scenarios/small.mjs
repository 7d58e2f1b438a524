// A 1 KiB file, one signed URL issued in advance and requested over and
// over: the per-request cost of our signed route against plain serving.

/** 1. serveSignedDownload (token check + find + stat + stream) vs express.static (stat + stream). */
export const smallStatic = {
  name: 'small-static',
  title: '1 KiB: serveSignedDownload vs express.static',
  metric: 'rps',
  connections: 50,
  async prepare({ fixtures }) {
    const sha256 = fixtures.sha256Of('small');
    const config = fixtures.serverConfig;
    return {
      ours: { label: 'serveSignedDownload', server: { app: 'signedDownload', config }, plan: { requests: [{ path: await fixtures.signedPath('small'), sha256 }] } },
      reference: { label: 'express.static', server: { app: 'expressStatic', config }, plan: { requests: [{ path: '/files/small.bin', sha256 }] } },
    };
  },
};

/** 2. The same against a hand-written jose.jwtVerify middleware in front of express.static, with the same token. */
export const smallJose = {
  name: 'small-jose',
  title: '1 KiB: serveSignedDownload vs jose.jwtVerify + express.static',
  metric: 'rps',
  connections: 50,
  async prepare({ fixtures }) {
    const sha256 = fixtures.sha256Of('small');
    const config = fixtures.serverConfig;
    const path = await fixtures.signedPath('small');
    const query = path.slice(path.indexOf('?'));
    return {
      ours: { label: 'serveSignedDownload', server: { app: 'signedDownload', config }, plan: { requests: [{ path, sha256 }] } },
      reference: { label: 'jwtVerify+static', server: { app: 'joseStatic', config }, plan: { requests: [{ path: `/files/small.bin${query}`, sha256 }] } },
    };
  },
};
