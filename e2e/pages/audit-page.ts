import type { Locator, Page } from '@playwright/test'

/** Page object of the Audit screen: filter, rows, entry detail, signing, exports. */
export class AuditPage {
  constructor(readonly page: Page) {}

  filters(): Locator {
    return this.page.getByRole('form', { name: 'Filter the audit trail' })
  }
  async filter(f: { user?: string; action?: string; targetType?: string; targetKey?: string; text?: string }): Promise<void> {
    const form = this.filters()
    await form.getByLabel('User', { exact: true }).fill(f.user ?? '')
    await form.getByLabel('Action', { exact: true }).fill(f.action ?? '')
    await form.getByLabel('Target type', { exact: true }).fill(f.targetType ?? '')
    await form.getByLabel('Target key', { exact: true }).fill(f.targetKey ?? '')
    await form.getByLabel('Text', { exact: true }).fill(f.text ?? '')
    await form.getByLabel('Go to entry').fill('')
    await form.getByRole('button', { name: 'Apply filter' }).click()
  }
  rows(): Locator {
    return this.page.getByRole('grid', { name: 'Audit entries' }).locator('[data-seq]')
  }
  count(): Locator {
    return this.page.getByTestId('audit-count')
  }
  chainStatus(): Locator {
    return this.page.getByTestId('audit-chain-status')
  }
  detail(): Locator {
    return this.page.getByTestId('audit-entry')
  }
  async sign(username: string, password: string, meaning: 'approval' | 'review' | 'responsibility', comment: string): Promise<void> {
    const form = this.page.getByRole('form', { name: 'Sign this entry' })
    await form.getByLabel('Signer user name').fill(username)
    await form.getByLabel('Signer password').fill(password)
    await form.getByLabel('Meaning').selectOption(meaning)
    await form.getByLabel('Comment').fill(comment)
    await form.getByRole('button', { name: 'Sign' }).click()
  }
  exportButton(format: 'PDF' | 'CSV' | 'JSON'): Locator {
    return this.filters().getByRole('button', { name: `Export ${format}` })
  }
}
