import { expect, test } from '../fixtures'
import { ADMIN, ConsolePage } from '../pages/console-page'
import { stackPorts } from '../../test/support/ports'

test.beforeEach(async ({ consolePage }) => {
  await new ConsolePage(consolePage).signIn(ADMIN.username, ADMIN.password)
})

test('Status shows BLUE and PgBouncer healthy, BLUE live, and the audit chain verified', async ({ consolePage }) => {
  const ui = new ConsolePage(consolePage)
  await expect(ui.heading()).toHaveText('Status')
  await expect(ui.stackHealth()).toHaveText('Stack healthy')
  await expect(ui.container('blue')).toContainText('healthy')
  await expect(ui.container('blue')).toContainText(String(stackPorts(56320).blue))
  await expect(ui.container('blue')).toContainText('15.')
  await expect(ui.container('pgbouncer')).toContainText('healthy')
  await expect(ui.container('pgbouncer')).toContainText('1.18')
  await expect(ui.container('green')).toContainText('absent')
  await expect(ui.liveColor()).toHaveText('BLUE')
  await expect(ui.chainStatus()).toContainText(/Audit trail verified: \d+ entries/)
  await expect(ui.signedInUser()).toContainText(ADMIN.printedName)
  // The bundled sample records were loaded by `stack up --samples` (what `npm start` does).
  await expect(consolePage.getByTestId('endpoint-enforcement')).toContainText('9')
  await expect(consolePage.getByTestId('endpoint-pma')).toContainText('fresh')
  await consolePage.screenshot({ path: test.info().outputPath('status.png'), fullPage: true })
})

test('every screen is reachable and none is a placeholder', async ({ consolePage }) => {
  const ui = new ConsolePage(consolePage)
  for (const label of ['Migration', 'Blue-Green', 'Backups', 'Audit', 'Benchmarks', 'Status']) {
    await ui.open(label)
    await expect(ui.heading()).toHaveText(new RegExp(`^${label}`)) // e.g. "Audit trail"
    await expect(consolePage.getByText('not available yet')).toHaveCount(0)
  }
  await expect(ui.stackHealth()).toHaveText('Stack healthy')
})
