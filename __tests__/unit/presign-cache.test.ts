import { PresignCache } from '../../lib/storage/s3/presign-cache';

describe('PresignCache', () => {
  let now = 1_000_000_000_000;
  let signed = 0;
  const sign = async () => `https://store.example/object?sig=${++signed}`;
  beforeEach(() => {
    signed = 0;
  });

  test('reuses a URL only for its reuse window, and reports its real expiry', async () => {
    const cache = new PresignCache({ reuseFraction: 0.1 }, () => now);
    const first = await cache.get('k', 900, sign);
    expect(first).toEqual({ url: 'https://store.example/object?sig=1', expires: Math.floor(now / 1000) + 900 });
    now += 89_000;
    expect(await cache.get('k', 900, sign)).toEqual(first);
    now += 1_000;
    const second = await cache.get('k', 900, sign);
    expect(second.url).toBe('https://store.example/object?sig=2');
    expect(second.expires).toBe(first.expires + 90);
  });

  test('evicts the least recently used entry past maxEntries', async () => {
    const cache = new PresignCache({ maxEntries: 2 }, () => now);
    await cache.get('a', 900, sign);
    await cache.get('b', 900, sign);
    await cache.get('a', 900, sign);
    await cache.get('c', 900, sign);
    expect(cache.size).toBe(2);
    expect((await cache.get('a', 900, sign)).url).toBe('https://store.example/object?sig=1');
    expect((await cache.get('b', 900, sign)).url).toBe('https://store.example/object?sig=4');
  });

  test('refuses options that could hand out nearly expired URLs', () => {
    expect(() => new PresignCache({ reuseFraction: 0.6 })).toThrow(/at most 0.5/);
    expect(() => new PresignCache({ maxEntries: 0 })).toThrow(/positive integer/);
  });
});
