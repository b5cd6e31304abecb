import { app, ipcMain, session } from 'electron'
import { RPCHandler } from '@orpc/server/message-port'
import { router } from './app/router'
import { createServices } from './app/services'
import { installMenu } from './electron/menu'
import { createMainWindow } from './electron/window'

// Electron glue only: window, menu, lifecycle and the API port. Everything else is plain Node.
if (!app.requestSingleInstanceLock()) app.quit()
else {
  const services = createServices({ host: 'desktop' })
  const handler = new RPCHandler(router)
  let win: ReturnType<typeof createMainWindow> | null = null

  app.on('second-instance', () => {
    if (win?.isMinimized()) win.restore()
    win?.focus()
  })

  ipcMain.on('fda:start-api', (event) => {
    // Only our own window's preload may open an API port.
    if (!win || event.sender !== win.webContents) return
    const [port] = event.ports
    handler.upgrade(port, { context: { services } })
    port.start()
  })

  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_wc, _perm, callback) => callback(false))
    installMenu()
    win = createMainWindow()
  })

  // Quitting the console leaves the containers running: the mirror keeps serving its clients.
  app.on('window-all-closed', () => app.quit())
}
