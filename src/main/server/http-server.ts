import { startBackupSchedules } from '../backup/scheduler'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
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
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), payment=()'
}
/** The renderer sends this header on every API call; a cross-site form or image cannot (CSRF). */
export const CSRF_HEADER = 'x-fda-request'
/** API request bodies are small (the largest input is a secret of 16 KiB); anything bigger is refused unread. */
export const MAX_BODY_BYTES = 1024 * 1024
/** Sign-in attempts that failed, per client address, before further ones wait (on top of the per-account lockout). */
export const LOGIN_FAILURES_PER_MINUTE = 10
const CREDENTIAL_ROUTES = new Set(['/rpc/auth/login', '/rpc/auth/setupFirstAdmin', '/rpc/auth/changePassword', '/rpc/auth/issueToken', '/rpc/audit/sign'])
/** A session cookie lives at most this long (the session itself also ends after the idle time set in the console). */
const SESSION_COOKIE_MAX_AGE_S = 12 * 3600
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

export interface ServerModeOptions {
  port: number
  rendererDir: string
  /** Fixed token (tests); otherwise a new one per launch. */
  token?: string
  /** 127.0.0.1 unless set; any other address needs `tls` (the console never serves plain HTTP beyond this machine). */
  host?: string
  tls?: { cert: string | Buffer; key: string | Buffer }
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
  const host = opts.host ?? '127.0.0.1'
  if (!LOOPBACK.has(host) && !opts.tls)
    throw new Error(`serving on ${host} (beyond this machine) needs TLS: pass --tls-cert and --tls-key, or serve on 127.0.0.1`)
  const failures = new Map<string, number[]>()

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    void handle(req, res).catch(() => {
      // Never a stack trace or an internal message to the client.
      if (!res.headersSent) send(res, 500, { error: 'internal error' })
    })
  }
  const server: Server = opts.tls ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2' }, onRequest) : createServer(onRequest)

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHosts.has(req.headers.host ?? '')) return send(res, 421, { error: 'unknown host; use the URL the server printed' })
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (url.pathname.startsWith('/rpc')) {
      if (!authorised(req, token)) return send(res, 401, { error: 'unauthorised: open the URL printed by `fda-offline serve` (it carries the access token)' })
      // Cookies ride along with any request the browser makes; only the console's own page sends this header.
      const bearer = req.headers.authorization?.startsWith('Bearer ') ?? false
      if (!bearer && (req.headers[CSRF_HEADER] !== '1' || !sameOrigin(req, allowedHosts)))
        return send(res, 403, { error: 'cross-site request refused' })
      if (req.method === 'POST') {
        const length = Number(req.headers['content-length'] ?? NaN)
        if (!Number.isFinite(length)) return send(res, 411, { error: 'a Content-Length is required' })
        if (length > MAX_BODY_BYTES) return send(res, 413, { error: `request too large (at most ${MAX_BODY_BYTES} bytes)` })
      }
      const address = req.socket.remoteAddress ?? '?'
      const credential = CREDENTIAL_ROUTES.has(url.pathname)
      if (credential) {
        const recent = (failures.get(address) ?? []).filter((t) => Date.now() - t < 60_000)
        failures.set(address, recent)
        if (recent.length >= LOGIN_FAILURES_PER_MINUTE) {
          res.setHeader('Retry-After', String(Math.ceil((recent[0] + 60_000 - Date.now()) / 1000)))
          return send(res, 429, { error: 'too many failed sign-in attempts; wait a minute' })
        }
      }
      const secure = Boolean(opts.tls)
      const context = {
        services,
        auth: { token: readCookie(req, SESSION_COOKIE) ?? null },
        setSessionCookie: (t: string | null) =>
          res.setHeader('Set-Cookie', t
            ? `${SESSION_COOKIE}=${t}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_COOKIE_MAX_AGE_S}${secure ? '; Secure' : ''}`
            : `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${secure ? '; Secure' : ''}`)
      }
      res.setHeader('Cache-Control', 'no-store')
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v)
      const { matched } = await rpc.handle(req, res, { prefix: '/rpc', context })
      if (!matched) send(res, 404, { error: 'no such procedure' })
      if (credential && (res.statusCode === 401 || res.statusCode === 423)) failures.get(address)!.push(Date.now())
      return
    }
    if (url.pathname === '/login') {
      if (!safeEqual(url.searchParams.get('token') ?? '', token)) return send(res, 401, { error: 'wrong or missing token' })
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        'Set-Cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/${opts.tls ? '; Secure' : ''}`,
        Location: '/'
      })
      return void res.end()
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' })
    serveStatic(opts.rendererDir, url.pathname, res)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ port: opts.port, host }, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const hostPart = host.includes(':') ? `[${host}]` : host
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `${hostPart}:${port}`])
  const url = `${opts.tls ? 'https' : 'http'}://${LOOPBACK.has(host) ? '127.0.0.1' : hostPart}:${port}`
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

/** A browser names the page a request comes from; it must be this server (absent for non-browser clients). */
function sameOrigin(req: IncomingMessage, allowedHosts: Set<string>): boolean {
  const origin = req.headers.origin
  if (!origin) return true
  try {
    return allowedHosts.has(new URL(origin).host)
  } catch {
    return false
  }
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
