/** A short slice of the session fuzz target (the long run is `npm run fuzz`). */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { sessionTarget } from '../../fuzz/targets/session.js';

describe('fuzz slice: client session', () => {
  it(sessionTarget.what, () => {
    fc.assert(sessionTarget.property, { numRuns: 400 });
  });
});
