// Issue 15, medium 1, with the in-process store (the Redis store runs the same suite in __tests__/redis).
import { memoryUseStore } from '../../lib';
import { usedUpLinkSuite } from '../helpers/used-up-links';

describe('a used-up link (memoryUseStore)', () => usedUpLinkSuite(() => memoryUseStore()));
