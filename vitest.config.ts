import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The server suite against real servers (Debian's Python packages, full Autobahn sizes): .ci/run asks for it.
    include: ['test/**/*.test.ts', ...(process.env.RFC6455_REAL_PEERS === '1' ? ['test/conformance/real-peers.ci.ts'] : [])],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // An assertion's message shows whole objects, not `{ …(2) }`: CI's summary prints its first line.
    chaiConfig: { truncateThreshold: 0 },
  },
});
