import { expect, test } from '../fixtures'

test('without the launch token the console says how to get in @server-only', async ({ page }) => {
  await page.goto(process.env.FDA_E2E_URL!)
  await expect(page.getByRole('alert').first()).toContainText('Not signed in')
  await expect(page.getByTestId('stack-health')).toHaveCount(0)
})
