import { memoryStorage } from '../../lib';
import { storageConformance } from './conformance';

storageConformance('memoryStorage', async () => {
  const adapter = memoryStorage();
  return { adapter, put: async (key, data) => void adapter.put(key, data) };
});

test('put refuses unsafe keys', () => {
  expect(() => memoryStorage().put('../x', 'x')).toThrow(/not a safe key/);
});
