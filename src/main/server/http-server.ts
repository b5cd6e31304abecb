import { startBackupSchedules } from '../backup/scheduler'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'
import { RPCHandler } from '@orpc/server/node'
import { router } from '../app/router'
import type { Services } from '../app/services'

const COOKIE = 'fda_token'
const SESSION_COOKIE = 'fda_session'
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.json': 'application/json', '.woff2': 'font/woff2', '.ico': 'image/x-icon'
}
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY'
}

export interface ServerModeOptions {
  port: number
  rendererDir: string
  /** Fixed token (tests); otherwise a new one per launch. */
  token?: string
}

export interface RunningServer {
  server: Server
  url: string
  /** The URL with the per-launch token: opening it signs the browser in for this launch. */
  loginUrl: string
  token: string
  close(): Promise<void>
}

/**
 * Server mode: the console's API and built renderer over HTTP on 127.0.0.1 only. Every /rpc route
 * requires the per-launch token (cookie set by the login URL, or `Authorization: Bearer`);
 * requests naming another Host are refused, which defeats DNS rebinding.
 */
export async function startServerMode(services: Services, opts: ServerModeOptions): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(32).toString('base64url')
  const rpc = new RPCHandler(router)
  const schedules = startBackupSchedules(services) // backup schedules run while the console runs
  let allowedHosts: Set<string> = new Set()

  const server = createServer((req, res) => {
    void handle(req, res).catch((e: Error) => {
      if (!res.headersSent) send(res, 500, { error: 'internal error', detail: e.message })
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHosts.has(req.headers.host ?? '')) return send(res, 421, { error: 'unknown host; use the URL the server printed' })
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (url.pathname.startsWith('/rpc')) {
      if (!authorised(req, token)) return send(res, 401, { error: 'unauthorised: open the URL printed by `fda-offline serve` (it carries the access token)' })
      const context = {
        services,
        auth: { token: readCookie(req, SESSION_COOKIE) ?? null },
        setSessionCookie: (t: string | null) =>
          res.setHeader('Set-Cookie', t ? `${SESSION_COOKIE}=${t}; HttpOnly; SameSite=Strict; Path=/` : `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`)
      }
      const { matched } = await rpc.handle(req, res, { prefix: '/rpc', context })
      if (!matched) send(res, 404, { error: 'no such procedure' })
      return
    }
    if (url.pathname === '/login') {
      if (!safeEqual(url.searchParams.get('token') ?? '', token)) return send(res, 401, { error: 'wrong or missing token' })
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        'Set-Cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: '/'
      })
      return void res.end()
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' })
    serveStatic(opts.rendererDir, url.pathname, res)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ port: opts.port, host: '127.0.0.1' }, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`])
  const url = `http://127.0.0.1:${port}`
  return {
    server, url, token, loginUrl: `${url}/login?token=${token}`,
    close: () => new Promise((resolve) => {
      schedules.stop()
      server.closeAllConnections()
      server.close(() => resolve())
    })
  }
}

function authorised(req: IncomingMessage, token: string): boolean {
  const auth = req.headers.authorization
  if (auth?.startsWith('Bearer ')) return safeEqual(auth.slice(7), token)
  const cookie = readCookie(req, COOKIE)
  return cookie !== undefined && safeEqual(cookie, token)
}

function readCookie(req: IncomingMessage, name: string): string | undefined {
  const c = (req.headers.cookie ?? '').split(';').map((x) => x.trim()).find((x) => x.startsWith(`${name}=`))
  return c?.slice(name.length + 1)
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json' })
  res.end(JSON.stringify(body))
}

function serveStatic(root: string, pathname: string, res: ServerResponse): void {
  const rel = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '')
  let file = join(root, rel)
  if (!file.startsWith(root + sep) && file !== root) return send(res, 403, { error: 'forbidden' })
  if (!existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html') // hash routing: every page is index.html
  if (!existsSync(file)) return send(res, 503, { error: `the console is not built: run \`npm run build\` (looked in ${root})` })
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' })
  createReadStream(file).pipe(res)
}
