// Named to run after the other specs (files run in name order), so a promotion made by the
// blue-green spec is already in the trail.
import { readFileSync } from 'node:fs'
import { expect, test } from '../fixtures'
import { AuditPage } from '../pages/audit-page'
import { ADMIN, ConsolePage } from '../pages/console-page'

// Filters the trail to a signed action (a settings change signed here; a promotion when the blue-green
// spec has made one), opens its signature, and downloads PDF and CSV exports of the filtered range.
test('the audit trail is filtered to a signed change, its signature opened, and PDF and CSV exported', async ({ consolePage: page }, info) => {
  const ui = new ConsolePage(page)
  const audit = new AuditPage(page)
  await ui.signIn(ADMIN.username, ADMIN.password)
  // A change worth signing: the session idle time, set on the Settings screen.
  const minutes = String(40 + (Date.now() % 50))
  await ui.open('Settings')
  page.once('dialog', (d) => void d.accept(minutes))
  await page.getByTestId('setting-auth.sessionIdleMinutes').getByRole('button', { name: 'Change' }).click()
  await expect(page.getByTestId('setting-auth.sessionIdleMinutes')).toContainText(`${minutes} minutes`)

  await ui.open('Audit')
  await expect(audit.chainStatus()).toContainText('Chain verified up to entry')
  await audit.filter({ action: 'settings.change', targetKey: 'auth.sessionIdleMinutes' })
  await expect(audit.rows().first()).toContainText('settings.change')
  await audit.rows().first().click()
  await expect(audit.detail().getByTestId('entry-who')).toContainText(ADMIN.printedName)
  await expect(audit.detail().getByTestId('entry-diff')).toContainText(minutes)
  await expect(audit.detail().getByTestId('entry-when')).toContainText('UTC')
  await audit.sign(ADMIN.username, ADMIN.password, 'approval', `e2e ${info.project.name}`)
  await expect(audit.detail().getByRole('status')).toContainText(`Signed by ${ADMIN.printedName} (approval)`)
  await expect(audit.detail().getByTestId('entry-signatures')).toContainText(`Signed (approval) by ${ADMIN.printedName}`)
  await page.screenshot({ path: info.outputPath('audit-entry.png'), fullPage: true })

  // Jumping to an entry by number starts the list there (newest first: at or before it).
  const seq = (await audit.rows().first().getAttribute('data-seq'))!
  await audit.filters().getByRole('button', { name: 'Clear' }).click()
  await audit.filters().getByLabel('Go to entry').fill(seq)
  await audit.filters().getByRole('button', { name: 'Apply filter' }).click()
  await expect(audit.rows().first()).toHaveAttribute('data-seq', seq)
  await audit.filter({ action: 'settings.change', targetKey: 'auth.sessionIdleMinutes' })
  await audit.rows().first().click()

  // The filtered trail now marks the entry signed; open its signature.
  await expect(audit.rows().first()).toContainText('signed')
  await audit.detail().getByRole('button', { name: /^Open signature/ }).first().click()
  await expect(audit.detail()).toContainText('This is an electronic signature of entry')
  await expect(audit.detail().getByTestId('entry-what')).toContainText('signature')

  // A promotion, when the blue-green spec made one in this run: filter to it and open its signature.
  const promotion = (await page.locator('#audit-actions option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).find((a) => /promot/.test(a))
  if (promotion) {
    await audit.filter({ action: promotion })
    await audit.rows().first().click()
    await expect(audit.detail().getByTestId('entry-what')).toContainText(promotion)
    await audit.detail().getByRole('button', { name: /^Open signature/ }).first().click()
    await expect(audit.detail()).toContainText('This is an electronic signature of entry')
  }

  await audit.filter({ action: 'settings.change', targetKey: 'auth.sessionIdleMinutes' })
  await expect(audit.rows().first()).toContainText('settings.change')
  const pdfDownload = page.waitForEvent('download')
  await audit.exportButton('PDF').click()
  const pdf = await pdfDownload
  expect(pdf.suggestedFilename()).toMatch(/^audit-trail-.*\.pdf$/)
  expect(readFileSync(await pdf.path()).subarray(0, 5).toString()).toBe('%PDF-')
  await expect(page.getByTestId('audit-message')).toContainText('the export is audit entry')

  const csvDownload = page.waitForEvent('download')
  await audit.exportButton('CSV').click()
  const csv = readFileSync(await (await csvDownload).path(), 'utf8')
  expect(csv).toContain('seq,ts,user_id,username,action,target_type,target_key,before,after,reason,client,segment,prev_hash,hash')
  expect(csv).toContain('"auth.sessionIdleMinutes"')
  expect(csv).toContain(`{""value"":${minutes}}`)

  // Both exports are themselves in the trail.
  await audit.filter({ action: 'audit.export' })
  await expect(audit.rows()).not.toHaveCount(0)
})
