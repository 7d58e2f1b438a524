// Needs an S3 endpoint: by default the local gateway (scripts/s3-test-server.sh start).
import { createApp, OBJECTS } from './app.mjs';
import { s3FromEnv, seedBucket } from '../shared/s3.mjs';
import { startExample } from '../shared/start.mjs';

const { client, bucket } = s3FromEnv();
await seedBucket(client, bucket, OBJECTS);

startExample(createApp({ client, bucket }), (base) => `
Presigned URL with caller-chosen expiry (API key sk-team-1, bucket ${bucket}).

1. A presigned URL valid for 10 minutes:
   curl -s -H "X-API-Key: sk-team-1" "${base}/api/v1/files/1/download?expires_in=600"

2. Download from the object store directly:
   curl -sS -D - -o figures.csv "<download_url>"

3. Out-of-range expiry (422):
   curl -s -H "X-API-Key: sk-team-1" "${base}/api/v1/files/1/download?expires_in=999999"
`);
