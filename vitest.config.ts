import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for a condition; on a busy 2-core machine 1 s (the default) is too short.
    expect: { poll: { timeout: 10_000 } },
    // Two cores: run test files two at a time; each file gets its own temp dirs and ports.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
