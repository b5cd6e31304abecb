import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ENDPOINT_DEFS, ENDPOINTS, type Endpoint } from '../endpoints'
import { positionOf } from '../query/memory-engine'
import { encodeCursor, planQuery } from '../query/plan'
import { OpenFdaQueryError, type OpenFdaParams, type QueryEngine } from '../query/types'

/** Longest request target accepted (openFDA's own front end refuses far shorter ones than most servers). */
export const MAX_URL_LENGTH = 8192

export interface OpenFdaHandlerOptions {
  engine: QueryEngine
  /** When set, every request must carry one of these keys (`api_key=`, `Authorization: Bearer`, or `X-Api-Key`). */
  apiKeys?: () => string[]
  /**
   * Host header values accepted (port included); others get 403, which defeats DNS rebinding from
   * a web page. Undefined: any loopback name on any port.
   */
  allowedHosts?: () => string[]
  /** Requests answered at once; more get 503 with Retry-After (default 64). */
  maxInFlight?: number
  /** Called once per answered request (no keys, no bodies): for logs and tests. */
  onRequest?: (r: { method: string; path: string; status: number; ms: number }) => void
}

const BY_PATH = new Map<string, Endpoint>(ENDPOINTS.map((e) => [ENDPOINT_DEFS[e].apiPath, e]))
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i

export function errorBody(status: number, code: string, message: string): { status: number; body: unknown } {
  return { status, body: { error: { code, message } } }
}

/** openFDA sends CORS for every origin; the data is public and no cookie is ever read. */
function cors(res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', '*')
  res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS')
  res.setHeader('Access-Control-Allow-Headers', 'Authorization, X-Api-Key, Content-Type')
  res.setHeader('Access-Control-Expose-Headers', 'Link, X-RateLimit-Limit, X-RateLimit-Remaining')
}

export function sendJson(res: ServerResponse, status: number, body: unknown, head = false): void {
  const text = JSON.stringify(body, null, 2) + '\n'
  res.statusCode = status
  res.setHeader('Content-Type', 'application/json; charset=utf-8')
  res.setHeader('Content-Length', Buffer.byteLength(text))
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('Cache-Control', 'no-store')
  res.end(head ? undefined : text)
}

function keyMatches(given: string, keys: string[]): boolean {
  const g = Buffer.from(given)
  return keys.some((k) => {
    const b = Buffer.from(k)
    return b.length === g.length && timingSafeEqual(b, g)
  })
}

function givenKey(req: IncomingMessage, url: URL): string | null {
  const auth = req.headers.authorization
  if (auth && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim()
  const h = req.headers['x-api-key']
  if (typeof h === 'string' && h) return h
  return url.searchParams.get('api_key')
}

/** The query parameters openFDA reads; anything else is ignored, as openFDA does. */
export function paramsFromUrl(url: URL): OpenFdaParams {
  const q = url.searchParams
  const get = (n: string) => q.get(n) ?? undefined
  const num = (n: string) => {
    const v = q.get(n)
    if (v === null || v === '') return undefined
    if (!/^\s*-?\d{1,9}\s*$/.test(v)) throw new OpenFdaQueryError(400, 'BAD_REQUEST', `Invalid ${n}: '${v.slice(0, 40)}' is not a whole number`)
    return Number(v)
  }
  return { search: get('search'), count: get('count'), sort: get('sort'), limit: num('limit'), skip: num('skip'), search_after: get('search_after') }
}

/**
 * The openFDA-compatible HTTP API over any QueryEngine: `GET /device/{endpoint}.json` with openFDA's
 * parameters, envelope, error bodies, CORS and `Link: <…>; rel="Next"` for search_after paging.
 * Read-only: no other method is served.
 */
export function createOpenFdaHandler(o: OpenFdaHandlerOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  let inFlight = 0
  return async (req, res) => {
    const started = Date.now()
    const method = req.method ?? 'GET'
    let path = '?'
    const done = (status: number, body: unknown) => {
      sendJson(res, status, body, method === 'HEAD')
      o.onRequest?.({ method, path, status, ms: Date.now() - started })
    }
    try {
      cors(res)
      const host = req.headers.host ?? ''
      const hosts = o.allowedHosts?.()
      if (hosts ? !hosts.includes(host.toLowerCase()) : !LOOPBACK_HOST.test(host)) {
        const e = errorBody(403, 'FORBIDDEN', 'This API answers only requests addressed to the loopback interface (Host header).')
        return done(e.status, e.body)
      }
      if ((req.url ?? '').length > MAX_URL_LENGTH) {
        const e = errorBody(414, 'URI_TOO_LONG', `The request is longer than ${MAX_URL_LENGTH} characters.`)
        return done(e.status, e.body)
      }
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      path = url.pathname
      if (method === 'OPTIONS') {
        res.statusCode = 204
        res.end()
        o.onRequest?.({ method, path, status: 204, ms: Date.now() - started })
        return
      }
      if (method !== 'GET' && method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD, OPTIONS')
        const e = errorBody(405, 'METHOD_NOT_ALLOWED', 'This API is read-only: use GET.')
        return done(e.status, e.body)
      }
      const keys = o.apiKeys?.() ?? []
      if (keys.length > 0) {
        const given = givenKey(req, url)
        if (!given || !keyMatches(given, keys)) {
          const e = errorBody(403, 'API_KEY_INVALID', 'An invalid api_key was supplied. Pass the key as api_key=, X-Api-Key or Authorization: Bearer.')
          return done(e.status, e.body)
        }
      }
      const endpoint = BY_PATH.get(path)
      if (!endpoint) {
        const e = errorBody(404, 'NOT_FOUND', `No such endpoint: ${path.slice(0, 100)}. Device endpoints: ${ENDPOINTS.map((x) => ENDPOINT_DEFS[x].apiPath).join(', ')}`)
        return done(e.status, e.body)
      }
      const params = paramsFromUrl(url)
      // Back-pressure: a flood of heavy queries gets a clear "busy, retry" instead of an ever longer queue.
      if (inFlight >= (o.maxInFlight ?? 64)) {
        res.setHeader('Retry-After', '1')
        const e = errorBody(503, 'SERVICE_UNAVAILABLE', 'Too many requests in progress; retry shortly.')
        return done(e.status, e.body)
      }
      inFlight++
      try {
        const abort = new AbortController()
        res.on('close', () => abort.abort())
        const envelope = await o.engine.query(endpoint, params, abort.signal)
        const link = nextLink(`http://${host}`, url, endpoint, params, envelope.results)
        if (link) res.setHeader('Link', link)
        return done(200, envelope)
      } finally {
        inFlight--
      }
    } catch (e) {
      if (e instanceof OpenFdaQueryError) return done(e.status, e.body())
      const err = errorBody(500, 'SERVER_ERROR', 'Check your request and try again')
      return done(err.status, err.body)
    }
  }
}

/**
 * openFDA's paging past skip 25000: a full page of a search (without skip) carries the URL of the
 * next one, with the last record's position as `search_after`.
 */
function nextLink(origin: string, url: URL, endpoint: Endpoint, params: OpenFdaParams, results: unknown[]): string | null {
  if (params.count) return null
  const plan = planQuery(endpoint, params)
  if (plan.skip > 0 || results.length === 0 || results.length < plan.limit) return null
  const last = results[results.length - 1] as Record<string, unknown>
  const next = new URL(url.toString())
  next.searchParams.set('skip', '0')
  next.searchParams.set('search_after', encodeCursor(positionOf(endpoint, last, plan.sort)))
  return `<${origin}${next.pathname}${next.search}>; rel="Next"`
}
