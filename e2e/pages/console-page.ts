import type { Locator, Page } from '@playwright/test'

export const ADMIN = { username: 'e2e-admin', printedName: 'Erin Admin', password: 'e2e admin passphrase' }

/** Page object of the console shell: locators and flows here, assertions in the specs. */
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
  signedInUser(): Locator {
    return this.page.getByTestId('signed-in-user')
  }
  chainStatus(): Locator {
    return this.page.getByTestId('chain-status')
  }
  alert(): Locator {
    return this.page.getByRole('alert').first()
  }

  async setupFirstAdmin(a = ADMIN): Promise<void> {
    const form = this.page.getByRole('form', { name: 'Create the first administrator' })
    await form.getByLabel('User name').fill(a.username)
    await form.getByLabel('Full name (as printed on signatures)').fill(a.printedName)
    await form.getByLabel('Password (at least 12 characters)').fill(a.password)
    await form.getByLabel('Password again').fill(a.password)
    await form.getByRole('button', { name: 'Create and sign in' }).click()
  }

  async signIn(username: string, password: string): Promise<void> {
    const form = this.page.getByRole('form', { name: 'Sign in' })
    await form.getByLabel('User name').fill(username)
    await form.getByLabel('Password').fill(password)
    await form.getByRole('button', { name: 'Sign in' }).click()
  }

  async signOut(): Promise<void> {
    await this.page.getByRole('button', { name: 'Sign out' }).click()
  }

  async changePassword(current: string, next: string): Promise<void> {
    const form = this.page.getByRole('form', { name: 'Change your password' })
    await form.getByLabel('Current password').fill(current)
    await form.getByLabel('New password').fill(next)
    await form.getByRole('button', { name: 'Change password' }).click()
  }

  async createUser(u: { username: string; printedName: string; role: string; password: string }): Promise<void> {
    const form = this.page.getByRole('form', { name: 'New account' })
    await form.getByLabel('User name').fill(u.username)
    await form.getByLabel('Printed name').fill(u.printedName)
    await form.getByLabel('Role').selectOption(u.role)
    await form.getByLabel('Temporary password').fill(u.password)
    await form.getByRole('button', { name: 'Create' }).click()
  }
}
