// redirectToPresigned with and without the presigned-URL cache (presigning is
// local computation: no S3 server is needed).
import { load, report } from './load.mjs';

const plain = await load('redirect', 307);
report(plain);
const cached = await load('redirect-cached', 307);
report(cached);
console.log(`presignCache: ${(cached.rps / plain.rps).toFixed(2)}x the throughput of signing every time`);
