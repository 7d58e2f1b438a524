// Rolls one tenant's link-signing key in tenants.json (or TENANTS_FILE):
//   node examples/multi-tenant/roll-key.mjs <tenant>
// A new random HS256 secret with a new kid goes first (it signs new links),
// the previous key stays second (it still verifies the links it signed), and
// any older key is dropped (its links are refused from now on).
import { randomBytes } from 'node:crypto';
import { own } from '../shared/own.mjs';
import { readTenants, TENANTS_FILE, writeTenants } from './tenants.mjs';

const tenant = process.argv[2];
const data = await readTenants();
const entry = own(data.tenants, tenant);
if (entry === null) {
  console.error(`usage: node examples/multi-tenant/roll-key.mjs <tenant>\n${tenant === undefined ? 'No tenant given' : `No tenant ${JSON.stringify(tenant)}`} in ${TENANTS_FILE}; tenants: ${Object.keys(data.tenants).join(', ')}`);
  process.exit(2);
}

const keys = entry.keys ?? [];
const serials = keys.map(({ kid }) => Number(/-(\d+)$/.exec(kid)?.[1] ?? 0));
const kid = `${tenant}-${Math.max(0, ...serials) + 1}`;
const [previous, ...dropped] = keys;
entry.keys = [{ kid, alg: 'HS256', secret: randomBytes(32).toString('base64url') }, ...(previous === undefined ? [] : [previous])];
await writeTenants(data);

const maxExpiresIn = entry.plan?.maxExpiresIn ?? 86400;
console.log(`Rolled ${tenant}'s signing key in ${TENANTS_FILE}:
  ${kid}  new: signs every new link
  ${previous === undefined ? '(no previous key)' : `${previous.kid}  previous: still verifies the links it signed (the overlap)`}
  dropped: ${dropped.length === 0 ? 'none' : `${dropped.map((key) => key.kid).join(', ')} (links signed with ${dropped.length === 1 ? 'it' : 'them'} now get 401)`}

A running server uses the new keys within 60 seconds (its tenant cache), or at once after:
  curl -s -X POST -H "X-Admin-Key: <the admin key it printed>" http://127.0.0.1:${process.env.PORT ?? 3000}/admin/tenants/${tenant}/forget

To end the overlap, run this again once ${previous?.kid ?? 'the old key'}'s links have expired (${tenant}'s longest link lives ${maxExpiresIn} s), then forget again.`);
