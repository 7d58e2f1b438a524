import { createApp } from './app.mjs';
import { startExample } from '../shared/start.mjs';

startExample(createApp(), (base) => `
Storage file with content negotiation (token: Bearer sk_test_alpha).

1. The bytes (an image is inline, a PDF an attachment):
   curl -sS -D - -o logo.png -H "Authorization: Bearer sk_test_alpha" "${base}/v2/storage/file/file_logo?customerId=cust_12345"

2. The same file as JSON with base64 content:
   curl -s -H "Accept: application/json" -H "Authorization: Bearer sk_test_alpha" "${base}/v2/storage/file/file_logo?customerId=cust_12345"

3. Errors: unknown file, locked file, no token:
   curl -s -H "Authorization: Bearer sk_test_alpha" "${base}/v2/storage/file/file_99999?customerId=cust_12345"
   curl -s -H "Authorization: Bearer sk_test_alpha" "${base}/v2/storage/file/file_locked?customerId=cust_12345"
   curl -s "${base}/v2/storage/file/file_logo?customerId=cust_12345"
`);
