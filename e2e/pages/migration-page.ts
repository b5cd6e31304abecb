import type { Locator, Page } from '@playwright/test'

/** Page object of the Migration wizard: locators and flows here, assertions in the specs. */
export class MigrationPage {
  constructor(readonly page: Page) {}

  steps(): Locator {
    return this.page.getByRole('list', { name: 'Migration steps' })
  }
  currentStep(): Locator {
    return this.steps().locator('[aria-current="step"]')
  }
  sourceField(): Locator {
    return this.page.getByRole('form', { name: 'Source' }).getByLabel('Source folder or file')
  }
  endpoint(): Locator {
    return this.page.getByRole('form', { name: 'Source' }).getByLabel('Endpoint')
  }
  resume(): Locator {
    return this.page.getByRole('checkbox', { name: 'Resume the last unfinished import of this source' })
  }
  async check(): Promise<void> {
    await this.page.getByRole('button', { name: 'Check' }).click()
  }

  preflightChecks(): Locator {
    return this.page.getByTestId('preflight-checks').locator('tbody tr')
  }
  failedChecks(): Locator {
    return this.page.getByTestId('preflight-checks').locator('tbody tr[data-ok="false"]')
  }
  preflightFiles(): Locator {
    return this.page.getByTestId('preflight-files')
  }
  startButton(): Locator {
    return this.page.getByRole('button', { name: 'Start import' })
  }

  jobProgress(): Locator {
    return this.page.getByTestId('job-progress')
  }

  summary(): Locator {
    return this.page.getByTestId('migration-summary')
  }
  verified(): Locator {
    return this.page.getByTestId('migration-verified')
  }
  verificationRows(): Locator {
    return this.page.getByTestId('migration-verification').locator('tbody tr')
  }
  records(): Locator {
    return this.page.getByTestId('migration-records')
  }
  rejectsByReason(): Locator {
    return this.page.getByTestId('rejects-by-reason').locator('tbody tr')
  }
  rejectRows(): Locator {
    return this.page.getByTestId('reject-rows').locator('tbody tr')
  }
  rejectReportLink(): Locator {
    return this.page.getByRole('link', { name: 'Download reject report (CSV)' })
  }

  async continueToSignOff(): Promise<void> {
    await this.page.getByRole('button', { name: 'Continue to sign-off' }).click()
  }
  async signOff(username: string, password: string): Promise<void> {
    const form = this.page.getByRole('form', { name: 'Sign-off' })
    await form.getByLabel('User name').fill(username)
    await form.getByLabel('Password', { exact: true }).fill(password)
    await form.getByRole('button', { name: 'Sign' }).click()
  }
  signed(): Locator {
    return this.page.getByTestId('migration-signed')
  }
}
