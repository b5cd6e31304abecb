import type { Locator, Page } from '@playwright/test'

/** Page object of the console shell and its Status screen: locators here, assertions in the specs. */
export class ConsolePage {
  constructor(readonly page: Page) {}

  nav(label: string): Locator {
    return this.page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: label, exact: true })
  }
  async open(label: string): Promise<void> {
    await this.nav(label).click()
  }
  heading(): Locator {
    return this.page.getByRole('heading', { level: 1 })
  }
  container(role: 'blue' | 'green' | 'pgbouncer'): Locator {
    return this.page.getByTestId(`container-${role}`)
  }
  stackHealth(): Locator {
    return this.page.getByTestId('stack-health')
  }
  liveColor(): Locator {
    return this.page.getByTestId('live-color')
  }
}
