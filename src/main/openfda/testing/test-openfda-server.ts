import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import yazl from 'yazl'
import { ENDPOINTS, type Endpoint } from '../endpoints'
import { ENDPOINT_NAMES, generateRecords } from '../../bench/generate-records'
import { createOpenFdaHandler, errorBody, sendJson } from '../local-api/handler'
import { OPENFDA_META } from '../query/envelope'
import { MemoryQueryEngine } from '../query/memory-engine'

type Rec = Record<string, unknown>

/** Which requests a fault applies to: a substring of (or pattern over) the path with its query string. */
export type FaultMatch = string | RegExp

export type Fault = { match?: FaultMatch; /** How many requests it hits (default 1; Infinity for all). */ times?: number } & (
  /** Answer with this status and openFDA's error body (429 carries Retry-After: seconds, or an HTTP date for a Date). */
  | { kind: 'status'; status: number; retryAfter?: number | Date; body?: unknown }
  /** Wait, then answer normally. */
  | { kind: 'slow'; delayMs: number }
  /** Send the headers and part of the body (default half), then cut the connection. */
  | { kind: 'truncate'; bytes?: number }
  /** Close the connection without answering. */
  | { kind: 'reset' }
)

export interface RecordedRequest {
  method: string
  path: string
  params: Record<string, string>
  /** The api_key the client sent (parameter or header), to check that clients send it. */
  apiKey: string | null
  status: number
  fault: Fault['kind'] | null
  at: number
}

export interface TestOpenFdaServerOptions {
  /** Records per endpoint; or `generate` counts (deterministic, from the bench generator). */
  records?: Partial<Record<Endpoint, Rec[]>>
  generate?: Partial<Record<Endpoint, number>>
  seed?: number
  port?: number
  faults?: Fault[]
  /** Real rate limiting with openFDA's headers; default 240 a minute, not enforced unless `enforce`. */
  rateLimit?: { limit: number; windowMs?: number; enforce?: boolean }
  /** Records per bulk-download partition (download.json). */
  partitionRecords?: number
  lastUpdated?: string
}

export interface TestOpenFdaServer {
  url: string
  port: number
  /** Every request answered so far, oldest first (cleared by `requests.length = 0`). */
  requests: RecordedRequest[]
  setFaults(faults: Fault[]): void
  /** Replaces an endpoint's data (API and bulk files), e.g. to stage a refresh's inserts, updates and deletions. */
  setRecords(endpoint: Endpoint, records: Rec[]): void
  records(endpoint: Endpoint): Rec[]
  engine: MemoryQueryEngine
  close(): Promise<void>
}

const OVER_RATE_LIMIT = 'You have exceeded your rate limit. Try again later or contact us at https://api.data.gov:443/contact/ for assistance'

/**
 * A local stand-in for api.fda.gov (the one part of the product that cannot run here): the real
 * local-API handler over a MemoryQueryEngine with generated or given data, openFDA's rate-limit
 * headers, a download manifest with zipped bulk files, and injected faults. 127.0.0.1 only.
 */
export async function startTestOpenFdaServer(o: TestOpenFdaServerOptions = {}): Promise<TestOpenFdaServer> {
  const data: Partial<Record<Endpoint, Rec[]>> = { ...(o.records ?? {}) }
  for (const [e, n] of Object.entries(o.generate ?? {}) as [Endpoint, number][]) {
    if (ENDPOINT_NAMES.includes(e)) data[e] = [...generateRecords(e, n, { seed: o.seed ?? 1 })]
  }
  const lastUpdated = o.lastUpdated ?? new Date().toISOString().slice(0, 10)
  const engine = new MemoryQueryEngine(data, { lastUpdated: () => lastUpdated })
  let faults: Fault[] = (o.faults ?? []).map((f) => ({ ...f }))
  const requests: RecordedRequest[] = []
  const rate = { limit: o.rateLimit?.limit ?? 240, windowMs: o.rateLimit?.windowMs ?? 60_000, enforce: o.rateLimit?.enforce ?? false, start: Date.now(), used: 0 }
  const partition = o.partitionRecords ?? 5000
  const zips = new Map<string, Buffer>()
  let current: RecordedRequest | null = null
  const handler = createOpenFdaHandler({ engine, onRequest: (r) => current && (current.status = r.status) })

  const takeFault = (target: string): Fault | null => {
    for (const f of faults) {
      const hit = f.match === undefined || (typeof f.match === 'string' ? target.includes(f.match) : f.match.test(target))
      if (hit && (f.times ?? 1) > 0) {
        f.times = (f.times ?? 1) - 1
        return f
      }
    }
    return null
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const hdrKey = typeof req.headers['x-api-key'] === 'string' ? req.headers['x-api-key'] : null
    const rec: RecordedRequest = {
      method: req.method ?? 'GET', path: url.pathname, params: Object.fromEntries(url.searchParams),
      apiKey: url.searchParams.get('api_key') ?? hdrKey, status: 0, fault: null, at: Date.now()
    }
    requests.push(rec)
    current = rec

    // Rate-limit headers on every answer, as api.data.gov (openFDA's front end) sends them.
    if (Date.now() - rate.start >= rate.windowMs) {
      rate.start = Date.now()
      rate.used = 0
    }
    rate.used++
    res.setHeader('X-RateLimit-Limit', String(rate.limit))
    res.setHeader('X-RateLimit-Remaining', String(Math.max(0, rate.limit - rate.used)))
    if (rate.enforce && rate.used > rate.limit) {
      res.setHeader('Retry-After', String(Math.ceil((rate.start + rate.windowMs - Date.now()) / 1000)))
      rec.status = 429
      return sendJson(res, 429, { error: { code: 'OVER_RATE_LIMIT', message: OVER_RATE_LIMIT } })
    }

    const fault = takeFault(url.pathname + url.search)
    rec.fault = fault?.kind ?? null
    if (fault?.kind === 'reset') {
      rec.status = -1
      req.socket.destroy()
      return
    }
    if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs))
    if (fault?.kind === 'status') {
      if (fault.retryAfter !== undefined) res.setHeader('Retry-After', fault.retryAfter instanceof Date ? fault.retryAfter.toUTCString() : String(fault.retryAfter))
      const body = fault.body ?? (fault.status === 429 ? { error: { code: 'OVER_RATE_LIMIT', message: OVER_RATE_LIMIT } } : errorBody(fault.status, fault.status >= 500 ? 'SERVER_ERROR' : 'BAD_REQUEST', 'Check your request and try again').body)
      rec.status = fault.status
      return sendJson(res, fault.status, body)
    }
    if (fault?.kind === 'truncate') {
      const realEnd = res.end.bind(res)
      // Let the real handler build the answer, then send only part of it and cut the connection.
      res.end = ((chunk?: unknown) => {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(typeof chunk === 'string' ? chunk : '')
        const n = Math.min(buf.length - 1, fault.bytes ?? Math.floor(buf.length / 2))
        res.write(buf.subarray(0, Math.max(0, n)), () => res.destroy())
        return res
      }) as typeof res.end
      void realEnd
    }
    if (url.pathname === '/download.json') {
      rec.status = 200
      res.setHeader('Access-Control-Allow-Origin', '*')
      return sendJson(res, 200, manifest(`http://${req.headers.host ?? '127.0.0.1'}`))
    }
    const file = /^\/download\/device\/([a-z0-9]+)\/device-\1-(\d{4})-of-(\d{4})\.json\.zip$/.exec(url.pathname)
    if (file && (ENDPOINTS as readonly string[]).includes(file[1])) {
      const zip = await partitionZip(file[1] as Endpoint, Number(file[2]), Number(file[3]))
      if (!zip) {
        rec.status = 404
        return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'No such file' } })
      }
      rec.status = 200
      res.statusCode = 200
      res.setHeader('Content-Type', 'application/zip')
      res.setHeader('Content-Length', zip.length)
      res.end(zip)
      return
    }
    await handler(req, res)
  }

  const parts = (endpoint: Endpoint) => Math.max(1, Math.ceil(engine.records(endpoint).length / partition))
  const fileName = (e: Endpoint, i: number, n: number) => `device-${e}-${String(i).padStart(4, '0')}-of-${String(n).padStart(4, '0')}.json`

  function manifest(origin: string): unknown {
    const device: Record<string, unknown> = {}
    for (const e of ENDPOINTS) {
      const recs = engine.records(e)
      if (recs.length === 0 && !(e in data)) continue
      const n = parts(e)
      device[e] = {
        total_records: recs.length,
        export_date: lastUpdated,
        partitions: Array.from({ length: n }, (_, k) => ({
          size_mb: '0.01',
          records: Math.min(partition, recs.length - k * partition),
          display_name: `${e} (part ${k + 1} of ${n})`,
          file: `${origin}/download/device/${e}/${fileName(e, k + 1, n)}.zip`
        }))
      }
    }
    return { meta: { disclaimer: OPENFDA_META.disclaimer, terms: OPENFDA_META.terms, license: OPENFDA_META.license, last_updated: lastUpdated }, results: { device } }
  }

  async function partitionZip(e: Endpoint, i: number, n: number): Promise<Buffer | null> {
    if (n !== parts(e) || i < 1 || i > n) return null
    const name = fileName(e, i, n)
    const cached = zips.get(name)
    if (cached) return cached
    const results = engine.records(e).slice((i - 1) * partition, i * partition)
    const json = JSON.stringify({ meta: { ...OPENFDA_META, last_updated: lastUpdated, results: { skip: 0, limit: results.length, total: results.length } }, results })
    const zip = new yazl.ZipFile()
    zip.addBuffer(Buffer.from(json), name)
    zip.end()
    const chunks: Buffer[] = []
    for await (const c of zip.outputStream) chunks.push(c as Buffer)
    const buf = Buffer.concat(chunks)
    zips.set(name, buf)
    return buf
  }

  const server = createServer((req, res) => {
    serve(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'SERVER_ERROR', message: 'Check your request and try again' } })
      else res.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    engine,
    setFaults: (f) => {
      faults = f.map((x) => ({ ...x }))
    },
    setRecords: (endpoint, records) => {
      data[endpoint] = records
      engine.set(endpoint, records)
      zips.clear()
    },
    records: (endpoint) => engine.records(endpoint),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }
}
