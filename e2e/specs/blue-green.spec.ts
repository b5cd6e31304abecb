import { execFileSync } from 'node:child_process'
import { expect, test } from '../fixtures'
import { ADMIN, ConsolePage } from '../pages/console-page'
import { BlueGreenPage } from '../pages/blue-green-page'
import { CLI } from '../paths'

test.beforeEach(async ({ consolePage }) => {
  await new ConsolePage(consolePage).signIn(ADMIN.username, ADMIN.password)
})

// The global setup starts only BLUE: this spec prepares GREEN through the screen, then retires it
// through the CLI so later specs see the stack as they expect.
test.afterAll(() => {
  const cli = (args: string[]) => execFileSync(process.execPath, [CLI, '--home', process.env.FDA_E2E_HOME!, '--user', ADMIN.username, '--password-stdin', ...args], { input: ADMIN.password + '\n' })
  cli(['settings', 'set', 'deploy.warmWindowHours', '0'])
  cli(['deploy', 'retire'])
  cli(['settings', 'set', 'deploy.warmWindowHours', '24'])
})

test('prepare GREEN, sign and promote it, see GREEN live; sign and roll back, see BLUE live', async ({ consolePage }) => {
  test.setTimeout(180_000)
  const ui = new ConsolePage(consolePage)
  const bg = new BlueGreenPage(consolePage)
  await ui.open('Blue-Green')
  await expect(ui.heading()).toHaveText('Blue-Green')
  await expect(bg.liveColor()).toHaveText('live: BLUE')

  // Prepare: GREEN becomes a copy of BLUE (a job with live progress).
  await bg.prepareButton().click()
  await expect(bg.job()).toBeVisible()
  await expect(bg.job()).toHaveAttribute('data-state', 'succeeded', { timeout: 90_000 })
  await expect(bg.standbyColor()).toHaveText('standby: GREEN', { timeout: 15_000 })
  await expect(bg.color('green')).toHaveAttribute('data-role', 'standby')
  await expect(bg.guardrails()).toHaveCount(8, { timeout: 30_000 })
  await expect(bg.failedGuardrails()).toHaveCount(0)
  await consolePage.screenshot({ path: test.info().outputPath('blue-green-prepared.png'), fullPage: true })

  // Promote: the signature dialog shows the meaning; a wrong password is refused.
  await bg.promoteButton().click()
  await expect(bg.dialog()).toContainText('approval')
  await bg.sign(ADMIN.username, 'not the password at all')
  await expect(bg.dialog().getByRole('alert')).toBeVisible()
  await bg.sign(ADMIN.username, ADMIN.password)
  await expect(bg.job()).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 })
  await expect(bg.liveColor()).toHaveText('live: GREEN', { timeout: 15_000 })
  await expect(bg.color('green')).toHaveAttribute('data-role', 'live')
  await expect(bg.history().first()).toContainText('promote BLUE → GREEN')
  await expect(bg.history().first()).toContainText(/\d+(\.\d)? ms/)
  await consolePage.screenshot({ path: test.info().outputPath('blue-green-promoted.png'), fullPage: true })

  // Roll back: the same switch in reverse, signed.
  await expect(bg.rollbackButton()).toBeEnabled({ timeout: 15_000 })
  await bg.rollbackButton().click()
  await bg.sign(ADMIN.username, ADMIN.password)
  await expect(bg.job()).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 })
  await expect(bg.liveColor()).toHaveText('live: BLUE', { timeout: 15_000 })
  await expect(bg.history().first()).toContainText('rollback GREEN → BLUE')

  // The Status screen agrees.
  await ui.open('Status')
  await expect(ui.liveColor()).toHaveText('BLUE')
})
