import { expect, test } from '../fixtures'
import { BackupsPage } from '../pages/backups-page'
import { ADMIN, ConsolePage } from '../pages/console-page'

test.beforeEach(async ({ consolePage }) => {
  await new ConsolePage(consolePage).signIn(ADMIN.username, ADMIN.password)
})

test('the backup calendar runs a backup and shows it verified on today', async ({ consolePage }) => {
  test.setTimeout(180_000)
  const ui = new ConsolePage(consolePage)
  const backups = new BackupsPage(consolePage)
  const today = new Date().toISOString().slice(0, 10)
  await ui.open('Backups')
  await expect(ui.heading()).toHaveText('Backups')
  await expect(backups.month()).toHaveText(new Date().toLocaleString('en', { month: 'long', year: 'numeric', timeZone: 'UTC' }))
  await expect(backups.day(today)).toBeVisible()
  const before = await backups.backupsOn(today, 'base').count()

  await backups.backUpNow().click()
  await expect(backups.job()).toHaveAttribute('data-state', 'succeeded', { timeout: 150_000 })
  await expect(backups.job()).toContainText(/stored and verified/)

  // The new base backup appears on today's date, verified, and the recoverable band is drawn.
  await expect(backups.backupsOn(today, 'base')).toHaveCount(before + 1)
  await expect(backups.backupsOn(today, 'base').last()).toHaveAttribute('data-verified', 'true')
  await expect(backups.backupsOn(today, 'base').last()).toContainText('verified')
  await expect(backups.recoverableBand().locator('span')).not.toHaveCount(0)

  // Clicking the day shows its details: the backup with its LSNs and a restore form within the covered range.
  await backups.day(today).click()
  await expect(backups.dayDetails()).toContainText(today)
  await expect(backups.dayDetails().getByRole('button', { name: 'Verify now' }).first()).toBeVisible()
  await expect(backups.dayDetails().getByLabel('Restore time (UTC)')).toBeVisible()

  // Schedules show a preview of their next runs.
  await expect(backups.scheduleField('Base backup')).toHaveValue('0 2 * * *')
  await expect(backups.schedules()).toContainText(/02:00/)
  await consolePage.screenshot({ path: test.info().outputPath('backup-calendar.png'), fullPage: true })
})
