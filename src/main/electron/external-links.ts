import { dialog, shell, type BrowserWindow } from 'electron'
import { isOpenableExternally } from '../../shared/links'

/** Asks first, naming the address; then opens it in the system browser (never inside the console). */
export async function openExternalAfterConfirm(win: BrowserWindow, url: string): Promise<void> {
  if (!isOpenableExternally(url)) return
  const { response } = await dialog.showMessageBox(win, {
    type: 'question',
    buttons: ['Open in browser', 'Cancel'],
    defaultId: 1,
    cancelId: 1,
    title: 'Open an external link?',
    message: 'Open this address in your web browser?',
    detail: url.length > 500 ? url.slice(0, 500) + '…' : url
  })
  if (response === 0) await shell.openExternal(url)
}
