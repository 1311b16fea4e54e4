/** A short slice of the proxy fuzz target (the long run is `npm run fuzz`). */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { proxyTarget } from '../../fuzz/targets/proxy.js';

describe('fuzz slice: proxy', () => {
  it(proxyTarget.what, () => {
    fc.assert(proxyTarget.property, { numRuns: 600 });
  });
});
