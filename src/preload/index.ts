import { contextBridge, ipcRenderer } from 'electron'

/**
 * The whole preload: no generic invoke. The renderer creates a MessageChannel and posts one port
 * here; we hand it to the main process, which serves the typed API on it.
 */
window.addEventListener('message', (event) => {
  if (event.source === window && event.data === 'fda:start-api' && event.ports.length === 1) {
    ipcRenderer.postMessage('fda:start-api', null, [event.ports[0]])
  }
})

contextBridge.exposeInMainWorld('fdaDesktop', Object.freeze({ host: 'desktop' as const }))
