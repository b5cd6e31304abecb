import { existsSync } from 'node:fs'
import { test as base, _electron, type Page } from '@playwright/test'
import { ELECTRON_MAIN } from './paths'

/** The Electron binary, only from ELECTRON_PATH: require('electron') would try to download one. */
function electronBinary(): string | null {
  const p = process.env.ELECTRON_PATH
  return p && existsSync(p) ? p : null
}

/** `consolePage`: the console's first page, signed in, on whichever host the project names. */
export const test = base.extend<{ consolePage: Page }>({
  consolePage: async ({ page }, use, testInfo) => {
    if (testInfo.project.name === 'electron') {
      const bin = electronBinary()
      testInfo.skip(!bin, 'Electron binary not available here: set ELECTRON_PATH to an Electron 45 binary to run the desktop project.')
      const app = await _electron.launch({
        executablePath: bin!,
        args: [ELECTRON_MAIN],
        env: { ...process.env, FDA_OFFLINE_HOME: process.env.FDA_E2E_HOME! }
      })
      const win = await app.firstWindow()
      await use(win)
      await app.close()
      return
    }
    await page.goto(process.env.FDA_E2E_LOGIN_URL!)
    await use(page)
  }
})
export { expect } from '@playwright/test'
