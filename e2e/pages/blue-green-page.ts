import type { Locator, Page } from '@playwright/test'

/** Page object of the Blue-Green screen. */
export class BlueGreenPage {
  constructor(readonly page: Page) {}

  liveColor(): Locator {
    return this.page.getByTestId('live-color')
  }
  standbyColor(): Locator {
    return this.page.getByTestId('standby-color')
  }
  color(c: 'blue' | 'green'): Locator {
    return this.page.getByTestId(`color-${c}`)
  }
  prepareButton(): Locator {
    return this.page.getByRole('button', { name: /^Prepare/ })
  }
  promoteButton(): Locator {
    return this.page.getByTestId('promote')
  }
  rollbackButton(): Locator {
    return this.page.getByTestId('rollback')
  }
  job(): Locator {
    return this.page.getByTestId('job-progress')
  }
  guardrails(): Locator {
    return this.page.getByTestId('guardrails').locator('tr')
  }
  failedGuardrails(): Locator {
    return this.page.getByTestId('guardrails').locator('tr[data-ok="false"]')
  }
  history(): Locator {
    return this.page.getByTestId('switch-history').locator('tbody tr')
  }
  dialog(): Locator {
    return this.page.getByRole('dialog', { name: 'Electronic signature' })
  }
  async sign(username: string, password: string): Promise<void> {
    const d = this.dialog()
    await d.getByLabel('User name').fill(username)
    await d.getByLabel('Password').fill(password)
    await d.getByRole('button', { name: 'Sign and switch' }).click()
  }
}
