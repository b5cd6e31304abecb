import { defineConfig } from '@playwright/test'

// The same specs run in Debian's Chromium against server mode (always) and in Electron (only where
// ELECTRON_PATH points at a binary; otherwise that project's tests skip and say why).
// Never `playwright install`: no browser is downloaded.
const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage', '--disable-component-update', '--no-first-run']

const chromium = { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs }

export default defineConfig({
  testDir: 'e2e/specs',
  globalSetup: './e2e/global-setup.ts',
  globalTeardown: './e2e/global-teardown.ts',
  timeout: 60_000,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  use: { trace: 'retain-on-failure', screenshot: 'only-on-failure' },
  projects: [
    { name: 'chromium-server', use: { browserName: 'chromium', launchOptions: chromium } },
    // Fixtures built on `page` stay on Debian's Chromium here too; the console itself runs in Electron.
    { name: 'electron', grepInvert: /@server-only/, use: { browserName: 'chromium', launchOptions: chromium } }
  ]
})
