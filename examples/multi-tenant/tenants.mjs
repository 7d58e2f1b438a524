// tenants.json stands in for the tenants table of your database: the server
// reads it on every lookup and roll-key.mjs rewrites it. TENANTS_FILE points
// both at another copy (the tests use one in a temporary directory).
import { readFile, rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const TENANTS_FILE = process.env.TENANTS_FILE ?? fileURLToPath(new URL('./tenants.json', import.meta.url));

/** `{ apiKeys: { [key]: tenant }, tenants: { [tenant]: { state?, plan?, keys } } }`, read from disk now. */
export async function readTenants(file = TENANTS_FILE) {
  return JSON.parse(await readFile(file, 'utf8'));
}

/** Replaces the file in one step (write beside it, then rename): a reader never sees half of it. */
export async function writeTenants(data, file = TENANTS_FILE) {
  const next = `${file}.${process.pid}.tmp`;
  await writeFile(next, `${JSON.stringify(data, null, 2)}\n`);
  await rename(next, file);
}
