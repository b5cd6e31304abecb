import { createORPCClient } from '@orpc/client'
import { RPCLink as FetchLink } from '@orpc/client/fetch'
import { RPCLink as PortLink } from '@orpc/client/message-port'
import type { ContractRouterClient } from '@orpc/contract'
import type { Contract } from '../../../shared/contract'

declare global {
  interface Window {
    fdaDesktop?: { host: 'desktop' }
  }
}

export type ApiClient = ContractRouterClient<Contract>

/** One typed client; the transport depends on the host: a MessagePort in Electron, HTTP in a browser. */
function createLink() {
  if (window.fdaDesktop) {
    const { port1, port2 } = new MessageChannel()
    window.postMessage('fda:start-api', '*', [port2])
    port1.start()
    return new PortLink({ port: port1 })
  }
  // The header proves the call comes from the console's own page (server mode refuses cookie calls without it: CSRF).
  return new FetchLink({ url: `${window.location.origin}/rpc`, headers: { 'x-fda-request': '1' }, fetch: (req, init) => fetch(req, { ...init, credentials: 'same-origin' }) })
}

export const api: ApiClient = createORPCClient(createLink())
