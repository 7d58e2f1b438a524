// 6. redirectToPresigned (307 to an S3 presigned URL), with the presigned-URL
// cache against signing every time: both sides are ours, the pair measures
// what the cache buys. Presigning is local, no S3 server is contacted.
import { sha256 } from '../lib/fixtures.mjs';

function checkRedirect({ headers }) {
  const location = headers.location ?? '';
  if (!location.startsWith('http://127.0.0.1:7480/bench/files/report.png?') || !location.includes('X-Amz-Signature=')) {
    throw new Error(`Location ${JSON.stringify(location)} is not a presigned URL of files/report.png`);
  }
}

export const redirect = {
  name: 'redirect',
  aliases: ['redirect-cached'],
  title: 'redirectToPresigned: with presignCache vs signing every time',
  metric: 'rps',
  connections: 50,
  async prepare() {
    const plan = { requests: [{ path: '/report/redirect', status: 307, sha256: sha256('') }] }; // a 307 has no body
    return {
      ours: { label: 'redirect-cached', server: { app: 'redirect', config: { presignCache: true } }, plan, check: checkRedirect },
      reference: { label: 'redirect', server: { app: 'redirect', config: { presignCache: false } }, plan, check: checkRedirect },
    };
  },
};
