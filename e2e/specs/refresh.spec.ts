import { expect, test } from '../fixtures'
import { ADMIN, ConsolePage } from '../pages/console-page'

test.beforeEach(async ({ consolePage }) => {
  await new ConsolePage(consolePage).signIn(ADMIN.username, ADMIN.password)
})

test('Status: freshness per endpoint, and a refresh started from the screen runs as a job', async ({ consolePage }) => {
  const ui = new ConsolePage(consolePage)
  await expect(ui.heading()).toHaveText('Status')
  const row = consolePage.getByTestId('endpoint-classification')
  await expect(consolePage.getByTestId('freshness-classification')).toHaveText('fresh')
  const before = Number((await row.locator('td').nth(1).innerText()).replace(/\D/g, ''))
  await row.getByRole('button', { name: 'Refresh' }).click()
  await expect(consolePage.getByTestId('job-progress')).toBeVisible()
  await expect(consolePage.getByTestId('refresh-result')).toContainText(/into BLUE: Classification \+2 ~0 −0/, { timeout: 45_000 })
  await expect(row.locator('td').nth(1)).toHaveText(String(before + 2))
  await expect(consolePage.getByTestId('freshness-classification')).toHaveText('fresh')
  await consolePage.screenshot({ path: test.info().outputPath('refresh.png'), fullPage: true })
})
