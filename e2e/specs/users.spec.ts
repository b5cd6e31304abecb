import { expect, test } from '../fixtures'
import { ADMIN, ConsolePage } from '../pages/console-page'

// One account per project run, so the desktop and browser projects do not trip over each other.
const who = (project: string) => ({ username: `olivia-${project.split('-')[0]}`, printedName: 'Olivia Operator', role: 'operator', password: 'temporary pass 123' })

test('an admin creates an operator, who must change the temporary password and sees no Users screen', async ({ consolePage }, info) => {
  const ui = new ConsolePage(consolePage)
  const olivia = who(info.project.name)
  await ui.signIn(ADMIN.username, ADMIN.password)
  await ui.open('Users')
  await ui.createUser(olivia)
  await expect(consolePage.getByTestId(`user-${olivia.username}`)).toContainText('must change password')
  await ui.signOut()
  await ui.signIn(olivia.username, olivia.password)
  await ui.changePassword(olivia.password, 'olivias own passphrase')
  await expect(ui.signedInUser()).toContainText('Olivia Operator')
  await expect(ui.signedInUser()).toContainText('operator')
  await expect(ui.nav('Users')).toHaveCount(0)
  await ui.signOut()
  await expect(consolePage.getByRole('form', { name: 'Sign in' })).toBeVisible()
})

test('five wrong passwords lock the account with a clear message; the admin sees it locked', async ({ consolePage }, info) => {
  const ui = new ConsolePage(consolePage)
  const olivia = who(info.project.name)
  for (let i = 1; i <= 4; i++) {
    await ui.signIn(olivia.username, `wrong ${i}`)
    await expect(ui.alert()).toContainText(`(${i} of 5 attempts before the account locks)`)
  }
  await ui.signIn(olivia.username, 'wrong 5')
  await expect(ui.alert()).toContainText(`The account ${olivia.username} is now locked after 5 failed attempts`)
  await ui.signIn(olivia.username, 'olivias own passphrase')
  await expect(ui.alert()).toContainText('is locked')
  await ui.signIn(ADMIN.username, ADMIN.password)
  await ui.open('Users')
  await expect(consolePage.getByTestId(`user-${olivia.username}`)).toContainText('locked')
})
