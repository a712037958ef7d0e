import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Importing the electron package would try to download its binary; point it nowhere instead.
    env: { ELECTRON_OVERRIDE_DIST_PATH: '/nonexistent' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: server suites open real stores and ports; keep parallelism modest.
    maxWorkers: 2,
  },
})
