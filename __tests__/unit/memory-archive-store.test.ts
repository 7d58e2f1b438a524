import { memoryArchiveStore } from '../../lib';

const manifest = (n: number) => 'm'.repeat(n);
const later = () => new Date(Date.now() + 3_600_000);

test('a tenant that issues by the thousand pushes out its own oldest manifests, never another tenant\'s', async () => {
  // 1,000 bytes of room in all (a manifest of n characters counts 2n), 400 per tenant.
  const store = memoryArchiveStore({ maxManifestBytes: 1000, maxManifestBytesPerTenant: 400 });
  await store.setManifest('victim', manifest(100), later(), { tenant: 'globex' });
  await store.setManifest('neighbour', manifest(100), later(), { tenant: 'acme' });
  for (let i = 0; i < 50; i++) await store.setManifest(`flood-${i}`, manifest(100), later(), { tenant: 'acme' });
  expect(await store.getManifest('victim')).toBe(manifest(100));
  // acme keeps its two newest (400 bytes): its neighbour went first.
  expect(await store.getManifest('neighbour')).toBeNull();
  expect([await store.getManifest('flood-48'), await store.getManifest('flood-49'), await store.getManifest('flood-47')]).toEqual([manifest(100), manifest(100), null]);
});

test('past the whole store, expired manifests go before live ones', async () => {
  const store = memoryArchiveStore({ maxManifestBytes: 600, maxManifestBytesPerTenant: 600 });
  await store.setManifest('expired', manifest(100), new Date(Date.now() - 1), { tenant: 'a' });
  await store.setManifest('live', manifest(100), later(), { tenant: 'b' });
  await store.setManifest('new', manifest(100), later(), { tenant: 'c' });
  await store.setManifest('newer', manifest(100), later(), { tenant: 'd' });
  expect([await store.getManifest('live'), await store.getManifest('new'), await store.getManifest('newer')]).toEqual([manifest(100), manifest(100), manifest(100)]);
  expect(await store.getManifest('expired')).toBeNull();
});

test('the same digest again extends its life, never shortens it; options are checked', async () => {
  const store = memoryArchiveStore();
  await store.setManifest('d', 'x', later());
  await store.setManifest('d', 'x', new Date(Date.now() - 1));
  expect(await store.getManifest('d')).toBe('x');
  expect(() => memoryArchiveStore({ maxManifestBytesPerTenant: 0 })).toThrow(/maxManifestBytesPerTenant/);
});
