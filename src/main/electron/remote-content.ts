import type { Session } from 'electron'

/**
 * No remote content: the renderer may load only its own files (and the dev server while developing).
 * The API travels over a MessagePort, so nothing needs the network.
 */
export function blockRemoteContent(session: Session, devUrl: string | undefined): void {
  const devOrigin = devUrl ? new URL(devUrl).origin : null
  session.webRequest.onBeforeRequest((details, callback) => {
    const url = details.url
    const local = url.startsWith('file://') || url.startsWith('devtools://') || url.startsWith('blob:') || url.startsWith('data:') || url.startsWith('chrome-extension://')
    const dev = devOrigin !== null && (url.startsWith(devOrigin + '/') || url === devOrigin || url.startsWith(devOrigin.replace(/^http/, 'ws')))
    callback({ cancel: !(local || dev) })
  })
}
