import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BrowserWindow } from 'electron'
import { openExternalAfterConfirm } from './external-links'

const here = dirname(fileURLToPath(import.meta.url))

/** A hardened window: isolated, sandboxed, no Node, no navigation away, no new windows. */
export function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 860,
    title: 'FDA Offline Console',
    show: false,
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false
    }
  })
  win.once('ready-to-show', () => win.show())
  win.webContents.on('will-navigate', (e, url) => {
    // The console never navigates away; a web link goes to the system browser after confirmation.
    e.preventDefault()
    void openExternalAfterConfirm(win, url)
  })
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Nothing opens inside the app; web links open in the user's browser once they confirm.
    void openExternalAfterConfirm(win, url)
    return { action: 'deny' }
  })
  if (process.env.ELECTRON_RENDERER_URL) void win.loadURL(process.env.ELECTRON_RENDERER_URL)
  else void win.loadFile(join(here, '../renderer/index.html'))
  return win
}
