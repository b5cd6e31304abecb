import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node', testTimeout: 20_000 } },
      {
        // Against the real Docker engine: one stack at a time, each under its own name and ports.
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], environment: 'node', testTimeout: 600_000, hookTimeout: 600_000, fileParallelism: false }
      }
    ]
  }
})
