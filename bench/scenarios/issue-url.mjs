// 5. Issuing a signed URL: our issueDownloadUrl (authenticate → find →
// authorize → sign → JSON) against a hand-written route doing the same with
// jose's SignJWT. Bodies hold a fresh token each time, so the check is on
// their shape, not their hash.
import { API_KEY } from '../lib/fixtures.mjs';

function checkIssued({ body, headers }) {
  if (!/^application\/json/.test(headers['content-type'] ?? '')) throw new Error(`content-type ${headers['content-type']}`);
  const issued = JSON.parse(body.toString('utf8'));
  const now = Date.now() / 1000;
  if (typeof issued.token !== 'string' || issued.token.split('.').length !== 3) throw new Error('no JWT in "token"');
  if (!Number.isInteger(issued.expires) || issued.expires < now + 3000) throw new Error(`"expires" ${issued.expires} is not about an hour ahead`);
  const url = new URL(issued.download_url);
  if (url.pathname !== '/files/small/content' || url.searchParams.get('token') !== issued.token || url.searchParams.get('expires') !== String(issued.expires)) {
    throw new Error(`download_url ${issued.download_url} does not carry the token and expiry`);
  }
}

export const issueUrl = {
  name: 'issue-url',
  title: 'issue a URL: issueDownloadUrl vs SignJWT + res.json',
  metric: 'rps',
  connections: 50,
  async prepare({ fixtures }) {
    const config = fixtures.serverConfig;
    const plan = { requests: [{ path: '/files/small/download-url', headers: { 'X-API-Key': API_KEY } }] };
    return {
      ours: { label: 'issueDownloadUrl', server: { app: 'issueUrl', config }, plan, check: checkIssued },
      reference: { label: 'SignJWT+res.json', server: { app: 'joseIssue', config }, plan, check: checkIssued },
    };
  },
};
