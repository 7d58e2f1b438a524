import { createApp } from './app.mjs';
import { exampleSecret, startExample } from '../shared/start.mjs';

startExample(createApp({ secret: await exampleSecret() }), (base) => `
Document download (users: Bearer token-alice, Bearer token-bob).

1. A download URL for doc-123, valid for one hour:
   curl -s -X POST -H "Authorization: Bearer token-alice" -H "Content-Type: application/json" \\
        -d '{"document_id":"doc-123"}' ${base}/download

2. Or download it directly:
   curl -sS -D - -OJ -H "Authorization: Bearer token-alice" ${base}/download/doc-123

3. The API's own errors: 435 without an id, 437 for an unknown one, 435 for a link-only document:
   curl -s -X POST -H "Authorization: Bearer token-alice" -H "Content-Type: application/json" -d '{}' ${base}/download
   curl -s -H "Authorization: Bearer token-alice" ${base}/download/doc-999
   curl -s -H "Authorization: Bearer token-alice" ${base}/download/doc-link
`);
