import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { QueryEngine } from '../query/types'
import { createOpenFdaHandler, type OpenFdaHandlerOptions } from './handler'

export interface LocalApiServer {
  url: string
  port: number
  server: Server
  close(): Promise<void>
}

/** Serves the openFDA-compatible API on 127.0.0.1 only (port 0: any free port). */
export async function startLocalApi(o: { engine: QueryEngine; port: number; apiKeys?: () => string[]; onRequest?: OpenFdaHandlerOptions['onRequest'] }): Promise<LocalApiServer> {
  const handler = createOpenFdaHandler({ engine: o.engine, apiKeys: o.apiKeys, onRequest: o.onRequest })
  const server = createServer((req, res) => void handler(req, res))
  server.requestTimeout = 90_000
  server.headersTimeout = 10_000
  server.maxHeadersCount = 50
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }
}
