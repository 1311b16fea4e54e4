/** A short slice of the extensions fuzz target (the long run is `npm run fuzz`). */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { extensionsTarget } from '../../fuzz/targets/extensions.js';

describe('fuzz slice: extensions', () => {
  it(extensionsTarget.what, () => {
    fc.assert(extensionsTarget.property, { numRuns: 600 });
  });
});
