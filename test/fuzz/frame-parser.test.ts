/** A short slice of the frame parser fuzz target (the long run is `npm run fuzz`). */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { frameParserTarget } from '../../fuzz/targets/frame-parser.js';

describe('fuzz slice: frame parser', () => {
  it(frameParserTarget.what, () => {
    fc.assert(frameParserTarget.property, { numRuns: 600 });
  });
});
