import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from '../fixtures'
import { ADMIN, ConsolePage } from '../pages/console-page'
import { MigrationPage } from '../pages/migration-page'

const SAMPLE_CACHE = fileURLToPath(new URL('../../resources/sample-cache', import.meta.url))

test.beforeEach(async ({ consolePage }) => {
  await new ConsolePage(consolePage).signIn(ADMIN.username, ADMIN.password)
})

test('the migration wizard imports the bundled sample cache, verifies it, and the admin signs it off', async ({ consolePage }) => {
  test.setTimeout(120_000)
  const ui = new ConsolePage(consolePage)
  const wizard = new MigrationPage(consolePage)
  await ui.open('Migration')
  await expect(ui.heading()).toHaveText('Migration')
  await expect(wizard.currentStep()).toContainText('Source')

  // 1. Source: the bundled sample cache is the default.
  await expect(wizard.sourceField()).toHaveValue(/sample-cache$/)
  await expect(wizard.endpoint()).toHaveValue('')
  await expect(wizard.resume()).not.toBeChecked()
  await consolePage.screenshot({ path: test.info().outputPath('migration-source.png'), fullPage: true })
  await wizard.check()

  // 2. Pre-flight: every check passes.
  await expect(wizard.currentStep()).toContainText('Pre-flight')
  await expect(wizard.preflightChecks().first()).toBeVisible()
  expect(await wizard.preflightChecks().count()).toBeGreaterThanOrEqual(5)
  await expect(wizard.failedChecks()).toHaveCount(0)
  await expect(wizard.preflightFiles()).toHaveText(/^8 \(/)
  await expect(wizard.startButton()).toBeEnabled()
  await consolePage.screenshot({ path: test.info().outputPath('migration-preflight.png'), fullPage: true })
  await wizard.startButton().click()

  // 3. Import, then 4. the summary. The global setup loaded the same samples, so records come out
  // "unchanged" rather than new: what matters is that every endpoint verifies.
  await expect(wizard.verified()).toHaveText('Verified', { timeout: 60_000 })
  await expect(wizard.currentStep()).toContainText('Verify & summary')
  await expect(wizard.verificationRows()).toHaveCount(7)
  for (const row of await wizard.verificationRows().all()) await expect(row).toContainText('verified')
  await expect(wizard.summary()).not.toContainText('FAILED')
  await expect(wizard.records()).toContainText(/(^|\s)0 rejected/)
  await consolePage.screenshot({ path: test.info().outputPath('migration.png'), fullPage: true })

  // 5. Sign-off by the person who started the import.
  await wizard.continueToSignOff()
  await expect(wizard.currentStep()).toContainText('Sign-off')
  await wizard.signOff(ADMIN.username, ADMIN.password)
  await expect(wizard.signed()).toContainText(`Signed by ${ADMIN.printedName} at`)
  await expect(wizard.signed()).toContainText('responsibility')
  await consolePage.screenshot({ path: test.info().outputPath('migration-signed.png'), fullPage: true })
})

test('a source that does not exist is refused at the check, with the fix', async ({ consolePage }) => {
  const ui = new ConsolePage(consolePage)
  const wizard = new MigrationPage(consolePage)
  await ui.open('Migration')
  await expect(wizard.sourceField()).toHaveValue(/sample-cache$/)
  await wizard.sourceField().fill('/nonexistent/fda-cache')
  await wizard.check()
  await expect(ui.alert()).toContainText('/nonexistent/fda-cache does not exist')
  await expect(ui.alert()).toContainText('Choose an existing cache folder or file.')
  await expect(wizard.currentStep()).toContainText('Source')
})

test('rejected lines and files are listed by reason, with the reject report as CSV', async ({ consolePage }) => {
  test.setTimeout(120_000)
  // A source of our own on this machine (server mode runs here): one good enforcement record as
  // NDJSON with a broken line after it, and a cache file cut off in the middle.
  const dir = mkdtempSync(join(tmpdir(), 'fda-e2e-rejects-'))
  const sample = JSON.parse(readFileSync(join(SAMPLE_CACHE, '9947f6e80e9f0858.json'), 'utf8')) as { data: { results: unknown[] } }
  writeFileSync(join(dir, 'device-enforcement-e2e.ndjson'), `${JSON.stringify(sample.data.results[0])}\n{"recall_number": \n`)
  writeFileSync(join(dir, 'broken.json'), readFileSync(join(SAMPLE_CACHE, '34981519d93ca122.json'), 'utf8').slice(0, 300))

  const ui = new ConsolePage(consolePage)
  const wizard = new MigrationPage(consolePage)
  await ui.open('Migration')
  await expect(wizard.sourceField()).toHaveValue(/sample-cache$/)
  await wizard.sourceField().fill(dir)
  await wizard.endpoint().selectOption('enforcement')
  await wizard.check()
  await expect(wizard.preflightFiles()).toHaveText(/^2 \(/)
  await expect(wizard.failedChecks()).toHaveCount(0)
  await wizard.startButton().click()

  await expect(wizard.verified()).toHaveText('Verified', { timeout: 60_000 })
  await expect(wizard.verificationRows()).toHaveCount(1)
  await expect(wizard.verificationRows().first()).toContainText('Enforcement')
  await expect(wizard.records()).toContainText(/(^|\s)1 rejected/) // the broken line; the truncated file counts among files
  await expect(consolePage.getByTestId('migration-files')).toContainText('1 rejected')
  await expect(wizard.rejectsByReason()).toHaveCount(2)
  await expect(wizard.rejectRows()).toHaveCount(2)
  await expect(wizard.rejectRows().filter({ hasText: 'broken.json' })).toContainText('not valid JSON')
  await expect(wizard.rejectRows().filter({ hasText: 'line 2' })).toContainText('device-enforcement-e2e.ndjson')

  await expect(wizard.rejectReportLink()).toHaveAttribute('download', /^rejects-import-.+\.csv$/)
  await expect(wizard.rejectReportLink()).toHaveAttribute('href', /^blob:/)
  // Electron would answer a download with a native save dialog; the browser saves it for the test.
  if (test.info().project.name !== 'electron') {
    const [download] = await Promise.all([consolePage.waitForEvent('download'), wizard.rejectReportLink().click()])
    expect(download.suggestedFilename()).toMatch(/^rejects-import-.+\.csv$/)
    const csv = readFileSync(await download.path(), 'utf8')
    expect(csv.split('\n')[0]).toBe('file,position,key,reason')
    expect(csv).toContain('device-enforcement-e2e.ndjson,line 2,')
    expect(csv).toContain('broken.json')
  }
  await consolePage.screenshot({ path: test.info().outputPath('migration-rejects.png'), fullPage: true })
})
