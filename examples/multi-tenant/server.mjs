// Starts the multi-tenant example and prints commands that work as printed.
import { randomBytes } from 'node:crypto';
import { isAbsolute, relative } from 'node:path';
import { createApp } from './app.mjs';
import { exampleSecret, startExample } from '../shared/start.mjs';
import { TENANTS_FILE } from './tenants.mjs';

const adminKey = process.env.ADMIN_KEY ?? randomBytes(18).toString('base64url');
const { app, downloads } = createApp({ secret: await exampleSecret(), adminKey });
const inCwd = relative(process.cwd(), TENANTS_FILE);
const file = inCwd.startsWith('..') || isAbsolute(inCwd) ? TENANTS_FILE : inCwd;
const env = process.env.TENANTS_FILE === undefined ? '' : `TENANTS_FILE=${process.env.TENANTS_FILE} `;

startExample(app, async (base) => {
  const signed = (tenant) => downloads.signUrl({ fileId: 'report', tenant, baseUrl: `${base}/orgs/${tenant}/files` });
  const acme = await signed('acme');
  const globex = await signed('globex');
  return `express-signed-downloads multi-tenant example
Tenants: ${file} (read on each lookup, cached 60 s). Admin key: ${adminKey}

1. Each tenant's API key issues links to its own files (acme: up to 1 day; globex's plan: 10 minutes, 3 uses):
   curl -s -H "X-API-Key: key_acme_demo" ${base}/orgs/acme/files/report/download-url
   curl -s -H "X-API-Key: key_globex_demo" ${base}/orgs/globex/files/report/download-url
   curl -s -H "X-API-Key: key_globex_demo" "${base}/orgs/globex/files/report/download-url?expires_in=601"   # 422

2. Signed URLs (no auth header), each signed with its tenant's own key: the same file id, each tenant's own bytes.
   Paste these two lines into your shell, then fetch (globex's 4th download is 410, its plan allows 3):
   ACME_SIGNED_URL="${acme.url}"
   GLOBEX_SIGNED_URL="${globex.url}"
   curl -s "$ACME_SIGNED_URL"; curl -s "$GLOBEX_SIGNED_URL"

3. acme's link on globex's path is refused (401), and so is another tenant's key (403):
   curl -s "$(echo "$ACME_SIGNED_URL" | sed s#/orgs/acme/#/orgs/globex/#)"
   curl -s -H "X-API-Key: key_acme_demo" ${base}/orgs/globex/files/report/download

4. initech is suspended (403 TENANT_SUSPENDED):
   curl -s -H "X-API-Key: key_initech_demo" ${base}/orgs/initech/files/report/download

5. Roll acme's key (the new key signs, the previous one still verifies), then tell this server:
   ${env}node examples/multi-tenant/roll-key.mjs acme
   curl -s -X POST -H "X-Admin-Key: ${adminKey}" ${base}/admin/tenants/acme/forget
   Roll and forget once more and links from before the first roll stop working (401); globex's are untouched.${env === '' ? `
   (roll-key.mjs edits ${file}; git checkout -- ${file} undoes it.)` : ''}`;
});
