// Needs an S3 endpoint: by default the local gateway (scripts/s3-test-server.sh start).
// S3_BUCKET= (empty) runs it without object storage, to see the 503.
import { ATTACHMENTS, createApp, OBJECTS } from './app.mjs';
import { s3FromEnv, seedBucket } from '../shared/s3.mjs';
import { startExample } from '../shared/start.mjs';

let s3 = null;
if (process.env.S3_BUCKET !== '') {
  s3 = s3FromEnv();
  await seedBucket(s3.client, s3.bucket, OBJECTS);
}
const [acme] = Object.keys(ATTACHMENTS);

startExample(createApp({ s3 }), (base) => `
Attachment redirect (API keys: ixk_live_acme, ixk_live_acme_readonly, ixk_revoked_acme)${s3 ? '' : ' — object storage NOT configured'}.

1. Follow the 307 to the object store:
   curl -sS -L -D - -o invoice.pdf -H "Authorization: Bearer ixk_live_acme" ${base}/api/v1/attachments/${acme}/download

2. Problem details for a key without the download scope (403) and a revoked key (401):
   curl -s -H "Authorization: Bearer ixk_live_acme_readonly" ${base}/api/v1/attachments/${acme}/download
   curl -s -H "Authorization: Bearer ixk_revoked_acme" ${base}/api/v1/attachments/${acme}/download
`);
