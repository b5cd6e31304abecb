import { app, dialog, ipcMain, session } from 'electron'
import { RPCHandler } from '@orpc/server/message-port'
import { router } from './app/router'
import { prepareRunningDatabases } from './app/lifecycle'
import { createServices } from './app/services'
import { startBackupSchedules } from './backup/scheduler'
import { installMenu } from './electron/menu'
import { startLocalApiWithServer } from './openfda/local-api/service'
import { StackError } from './stack/stack-error'
import { createMainWindow } from './electron/window'
import { blockRemoteContent } from './electron/remote-content'
import { desktopSecretStore } from './electron/secrets'
import { resolveHome } from './config/home'

// Electron glue only: window, menu, lifecycle and the API port. Everything else is plain Node.
if (!app.requestSingleInstanceLock()) app.quit()
else {
  const home = resolveHome()
  const services = createServices({ host: 'desktop', home, secrets: desktopSecretStore(home) })
  startBackupSchedules(services) // backup schedules run while the console runs
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
    // One sign-in state per window connection: auth.login fills it, auth.logout clears it.
    handler.upgrade(port, { context: { services, auth: { token: null } } })
    port.start()
  })

  void app.whenReady().then(async () => {
    session.defaultSession.setPermissionRequestHandler((_wc, _perm, callback) => callback(false))
    blockRemoteContent(session.defaultSession, process.env.ELECTRON_RENDERER_URL)
    installMenu()
    // Running colors get their migrations at start-up; a changed applied migration stops here.
    try {
      await prepareRunningDatabases(services)
    } catch (e) {
      const err = e as StackError
      if (err.code === 'MIGRATION_FAILED') {
        dialog.showErrorBox('FDA Offline Console cannot start', `${err.message}\n\n${err.fix}`)
        app.exit(1)
        return
      }
      // Docker or the database not reachable: open anyway, the Status screen says what to do.
    }
    win = createMainWindow()
    void startLocalApiWithServer(services) // the openFDA-compatible API (settings localApi.autoStart)
  })

  // Quitting the console leaves the containers running: the mirror keeps serving its clients.
  app.on('window-all-closed', () => app.quit())
}
