import { createApp } from './app.mjs';
import { exampleSecret, startExample } from '../shared/start.mjs';

startExample(createApp({ secret: await exampleSecret() }), (base) => `
Organisation-scoped signed tokens.

1. Get a download URL for org_acme's report (API key key_acme_live):
   curl -s -H "X-API-Key: key_acme_live" ${base}/v1/organizations/org_acme/files/file_report/download

2. Fetch the download_url it returns, with no auth header:
   curl -sS -D - -o report.png "<download_url>"

3. Another organisation's key is refused (403), and so is an org_acme token under org_globex (401):
   curl -s -H "X-API-Key: key_globex_live" ${base}/v1/organizations/org_acme/files/file_report/download
`);
