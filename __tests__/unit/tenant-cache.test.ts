import { TenantCache } from '../../lib/tenants/tenant-cache';

function cache(options: { max?: number; ttlSeconds?: number; unknownTtlSeconds?: number } = {}) {
  let now = 1_000_000;
  const calls: string[] = [];
  const values = new Map<string, string | null>();
  const tenants = new TenantCache<string>({ max: 3, ttlSeconds: 60, unknownTtlSeconds: 10, ...options }, () => now);
  const get = (tenant: string) => tenants.get(tenant, async () => {
    calls.push(tenant);
    const value = values.get(tenant);
    if (value === undefined) throw new Error(`no answer for ${tenant}`);
    return value;
  });
  return { tenants, get, calls, values, advance: (ms: number) => { now += ms; } };
}

test('a resolved tenant is kept for ttlSeconds, then asked again', async () => {
  const { get, calls, values, advance } = cache();
  values.set('acme', 'v1');
  expect(await get('acme')).toBe('v1');
  values.set('acme', 'v2');
  advance(59_999);
  expect(await get('acme')).toBe('v1');
  advance(1);
  expect(await get('acme')).toBe('v2');
  expect(calls).toEqual(['acme', 'acme']);
});

test('an unknown tenant is remembered for unknownTtlSeconds only', async () => {
  const { get, calls, values, advance } = cache();
  values.set('nobody', null);
  expect(await get('nobody')).toBeNull();
  advance(9_999);
  expect(await get('nobody')).toBeNull();
  advance(1);
  values.set('nobody', 'now known');
  expect(await get('nobody')).toBe('now known');
  expect(calls).toEqual(['nobody', 'nobody']);
});

test('concurrent first requests share one call; a failure is shared, then forgotten', async () => {
  const { get, calls, values } = cache();
  await expect(Promise.all([get('acme'), get('acme'), get('acme')])).rejects.toThrow(/no answer/);
  expect(calls).toEqual(['acme']);
  values.set('acme', 'v1');
  expect(await Promise.all([get('acme'), get('acme')])).toEqual(['v1', 'v1']);
  expect(calls).toEqual(['acme', 'acme']);
});

test('bounded: the least recently used tenant goes first', async () => {
  const { tenants, get, calls, values } = cache({ max: 2 });
  for (const name of ['a', 'b', 'c']) values.set(name, name);
  await get('a');
  await get('b');
  await get('a'); // a is now the most recent
  await get('c'); // b goes
  expect(tenants.size).toBe(2);
  await get('a');
  await get('b');
  expect(calls).toEqual(['a', 'b', 'c', 'b']);
});

test('forget drops a tenant at once, and a resolution under way when it was called is not stored', async () => {
  const { tenants, get, calls, values } = cache();
  values.set('acme', 'v1');
  const pending = get('acme');
  tenants.forget('acme');
  expect(await pending).toBe('v1');
  values.set('acme', 'v2');
  expect(await get('acme')).toBe('v2');
  tenants.forget('acme');
  values.set('acme', 'v3');
  expect(await get('acme')).toBe('v3');
  expect(calls).toEqual(['acme', 'acme', 'acme']);
});

test('max 0 or ttlSeconds 0 keeps nothing (every request asks)', async () => {
  const { get, calls, values } = cache({ ttlSeconds: 0 });
  values.set('acme', 'v');
  await get('acme');
  await get('acme');
  expect(calls).toEqual(['acme', 'acme']);
});
