import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { ENDPOINT_DEFS, type Endpoint } from '../endpoints'
import { OpenFdaQueryError, type OpenFdaEnvelope, type OpenFdaParams, type QueryEngine } from '../query/types'
import { redact } from './api-key'
import { openFdaLimits, type Limiter, type RateLimits } from './rate-limiter'
import { backoffDelay, DEFAULT_BACKOFF, parseRetryAfter, sleep, type BackoffPolicy } from './retry'

export const MAX_LIMIT = 1000
export const MAX_SKIP = 25000

export interface OpenFdaClientOptions {
  /** e.g. https://api.fda.gov (setting `openfda.baseUrl`). */
  baseUrl: string
  apiKey?: string
  /** Shared by every process of the console (FileRateLimiter); null only in tests that count raw requests. */
  limiter: Limiter | null
  /** Defaults to openFDA's limits for a client with or without a key. */
  limits?: RateLimits
  timeoutMs?: number
  /** Attempts after the first. */
  retries?: number
  backoff?: BackoffPolicy
  /** A Retry-After longer than this fails the request instead of waiting (default 5 minutes). */
  maxRetryAfterMs?: number
  log?: (line: string) => void
}

export type FailureKind = 'network' | 'timeout' | 'server' | 'rate-limited' | 'invalid-body'

/** The request could not be answered after every retry (or a Retry-After was too long). The message never holds the API key. */
export class OpenFdaUnavailableError extends Error {
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly status: number | null,
    readonly attempts: number
  ) {
    super(message)
  }
}

/** One page of an answer and, when openFDA's Link header offers one, the parameters of the next page (search_after). */
export interface Page {
  envelope: OpenFdaEnvelope
  next: OpenFdaParams | null
}

class Retryable extends Error {
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly status: number | null,
    readonly waitMs: number | null = null
  ) {
    super(message)
  }
}

/**
 * The real openFDA API for the seven device endpoints. Every request takes a slot from the shared
 * rate limiter first; 429 waits for Retry-After (seconds or HTTP date); 5xx, network errors,
 * timeouts and truncated or invalid JSON bodies are retried with exponential backoff and jitter;
 * other 4xx are not; 404 "No matches found" is an empty answer. Nothing is stored here: a body is
 * returned only once it parsed and has openFDA's shape.
 */
export class OpenFdaClient implements QueryEngine {
  private readonly base: string
  private readonly identity: string
  private readonly limits: RateLimits

  constructor(private readonly o: OpenFdaClientOptions) {
    this.base = o.baseUrl.replace(/\/+$/, '')
    // The limiter file records a fingerprint, never the key.
    this.identity = o.apiKey ? `key-${createHash('sha256').update(o.apiKey).digest('hex').slice(0, 12)}` : 'anonymous'
    this.limits = o.limits ?? openFdaLimits(Boolean(o.apiKey))
  }

  async query(endpoint: Endpoint, params: OpenFdaParams, signal?: AbortSignal): Promise<OpenFdaEnvelope> {
    return (await this.page(endpoint, params, signal)).envelope
  }

  async page(endpoint: Endpoint, params: OpenFdaParams, signal?: AbortSignal): Promise<Page> {
    checkParams(params)
    const url = this.url(ENDPOINT_DEFS[endpoint].apiPath, params)
    const { body, status, link } = await this.request(url, signal)
    if (status === 404 && isNotFound(body)) {
      return { envelope: { meta: { results: { skip: params.skip ?? 0, limit: params.limit ?? 1, total: 0 } }, results: [] }, next: null }
    }
    return { envelope: body as OpenFdaEnvelope, next: parseNextLink(link) }
  }

  /**
   * Every page of a search: follows openFDA's Link rel="next" (search_after, no skip limit); where a
   * server gives no Link, pages with skip while skip stays within 25,000.
   */
  async *pages(endpoint: Endpoint, params: OpenFdaParams, signal?: AbortSignal): AsyncGenerator<Page> {
    let p: OpenFdaParams | null = { ...params }
    while (p) {
      const page = await this.page(endpoint, p, signal)
      yield page
      p = nextParams(p, page)
    }
  }

  /** Any JSON document of openFDA's (e.g. the download manifest), rate-limited and retried like queries. */
  async getJson(url: string, signal?: AbortSignal): Promise<unknown> {
    const { body, status } = await this.request(url, signal, { envelope: false })
    if (status >= 400) throw new OpenFdaQueryError(status, 'HTTP_ERROR', `${redact(url, this.o.apiKey)} answered ${status}`)
    return body
  }

  /**
   * A bulk download file to `dest`, retried on network errors, 5xx and incomplete bodies. Written
   * under a temporary name and renamed, so a partial file is never taken for a whole one. Bulk files
   * are static files, not API requests: they take no rate-limit slot.
   */
  async download(url: string, dest: string, signal?: AbortSignal): Promise<{ bytes: number }> {
    const retries = this.o.retries ?? 5
    let last: Retryable | null = null
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (last) await this.pause(last, attempt - 1, signal)
      const tmp = `${dest}.part`
      // Bulk files take minutes: the timeout is for silence (no byte for timeoutMs), not for the whole file.
      const idle = new AbortController()
      const idleMs = this.o.timeoutMs ?? 30_000
      let timer = setTimeout(() => idle.abort(new DOMException(`no data for ${idleMs} ms`, 'TimeoutError')), idleMs)
      const touch = (): void => {
        clearTimeout(timer)
        timer = setTimeout(() => idle.abort(new DOMException(`no data for ${idleMs} ms`, 'TimeoutError')), idleMs)
      }
      try {
        const res = await fetch(url, { signal: signal ? AbortSignal.any([signal, idle.signal]) : idle.signal })
        if (res.status >= 500 || res.status === 429) throw new Retryable(`download answered ${res.status}`, res.status === 429 ? 'rate-limited' : 'server', res.status, parseRetryAfter(res.headers.get('retry-after')))
        if (!res.ok || !res.body) throw new OpenFdaQueryError(res.status, 'HTTP_ERROR', `${redact(url, this.o.apiKey)} answered ${res.status}`)
        const expected = Number(res.headers.get('content-length') ?? NaN)
        let bytes = 0
        const counter = Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>)
        counter.on('data', (b: Buffer) => {
          bytes += b.length
          touch()
        })
        await pipeline(counter, createWriteStream(tmp))
        if (Number.isFinite(expected) && bytes !== expected) throw new Retryable(`download broke off after ${bytes} of ${expected} bytes`, 'invalid-body', res.status)
        await rename(tmp, dest)
        return { bytes }
      } catch (e) {
        await rm(tmp, { force: true })
        if (signal?.aborted) throw signal.reason ?? e
        const cause = idle.signal.aborted && !(e instanceof Retryable) ? idle.signal.reason : e
        if (cause instanceof OpenFdaQueryError) throw cause
        last = cause instanceof Retryable ? cause : this.classify(cause)
        this.o.log?.(`download ${redact(url, this.o.apiKey)}: ${last.message} (attempt ${attempt + 1} of ${retries + 1})`)
      } finally {
        clearTimeout(timer)
      }
    }
    throw new OpenFdaUnavailableError(`could not download ${redact(url, this.o.apiKey)} after ${retries + 1} attempts: ${last?.message}`, last!.kind, last!.status, retries + 1)
  }

  url(path: string, params: OpenFdaParams): string {
    const parts: string[] = []
    const add = (k: string, v: string | number | undefined): void => {
      if (v === undefined || v === '') return
      // openFDA reads + as a space (users write search=a+AND+b); encode the rest.
      parts.push(`${k}=${encodeURIComponent(String(v)).replace(/%20/g, '+').replace(/%2B/gi, '+')}`)
    }
    add('search', params.search)
    add('count', params.count)
    add('sort', params.sort)
    add('limit', params.limit)
    add('skip', params.skip)
    add('search_after', params.search_after)
    if (this.o.apiKey) parts.push(`api_key=${encodeURIComponent(this.o.apiKey)}`)
    return `${this.base}${path}${parts.length ? `?${parts.join('&')}` : ''}`
  }

  private async request(url: string, signal?: AbortSignal, opts: { envelope: boolean } = { envelope: true }): Promise<{ body: unknown; status: number; link: string | null }> {
    const retries = this.o.retries ?? 5
    const shown = redact(url, this.o.apiKey)
    let last: Retryable | null = null
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (last) await this.pause(last, attempt - 1, signal)
      if (this.o.limiter) await this.o.limiter.acquire(this.identity, this.limits, signal)
      try {
        return await this.once(url, signal, opts.envelope)
      } catch (e) {
        if (signal?.aborted) throw signal.reason ?? e
        if (!(e instanceof Retryable)) throw e
        last = e
        this.o.log?.(`GET ${shown}: ${e.message} (attempt ${attempt + 1} of ${retries + 1})`)
      }
    }
    throw new OpenFdaUnavailableError(`openFDA did not answer ${shown} after ${retries + 1} attempts: ${last?.message}`, last!.kind, last!.status, retries + 1)
  }

  private async once(url: string, signal: AbortSignal | undefined, envelope: boolean): Promise<{ body: unknown; status: number; link: string | null }> {
    let res: Response
    let text: string
    try {
      res = await fetch(url, { signal: this.signal(signal, this.o.timeoutMs ?? 30_000), headers: { accept: 'application/json' } })
      text = await res.text()
    } catch (e) {
      throw this.classify(e)
    }
    if (res.status === 429) throw new Retryable('429 Too Many Requests', 'rate-limited', 429, parseRetryAfter(res.headers.get('retry-after')) ?? null)
    if (res.status >= 500) throw new Retryable(`${res.status} ${res.statusText || 'server error'}`, 'server', res.status, parseRetryAfter(res.headers.get('retry-after')))
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch (e) {
      if (res.status < 400) throw new Retryable(`the body is not complete JSON (${text.length} characters: ${(e as Error).message})`, 'invalid-body', res.status)
      throw new OpenFdaQueryError(res.status, 'HTTP_ERROR', `openFDA answered ${res.status} with a body that is not JSON`)
    }
    if (res.status >= 400) {
      const err = (body as { error?: { code?: string; message?: string } })?.error
      if (res.status === 404 && isNotFound(body)) return { body, status: 404, link: null }
      throw new OpenFdaQueryError(res.status, err?.code ?? 'HTTP_ERROR', redact(err?.message ?? `openFDA answered ${res.status}`, this.o.apiKey))
    }
    if (envelope && !isEnvelope(body)) throw new Retryable('the body is JSON but not an openFDA envelope (no meta or results)', 'invalid-body', res.status)
    return { body, status: res.status, link: res.headers.get('link') }
  }

  private signal(user: AbortSignal | undefined, timeoutMs: number): AbortSignal {
    const timeout = AbortSignal.timeout(timeoutMs)
    return user ? AbortSignal.any([user, timeout]) : timeout
  }

  private classify(e: unknown): Retryable {
    const err = e as Error & { cause?: { code?: string; message?: string } }
    if (err?.name === 'TimeoutError') return new Retryable(`no answer within ${this.o.timeoutMs ?? 30_000} ms`, 'timeout', null)
    const detail = err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e)
    return new Retryable(`network error (${redact(detail, this.o.apiKey)})`, 'network', null)
  }

  private async pause(last: Retryable, attempt: number, signal?: AbortSignal): Promise<void> {
    const maxWait = this.o.maxRetryAfterMs ?? 300_000
    if (last.waitMs !== null && last.waitMs > maxWait)
      throw new OpenFdaUnavailableError(`openFDA asks to wait ${Math.round(last.waitMs / 1000)} s (Retry-After), longer than the ${Math.round(maxWait / 1000)} s this client waits`, last.kind, last.status, attempt + 1)
    // Retry-After is a floor: never earlier, plus a little jitter so waiting clients do not return together.
    const wait = last.waitMs !== null ? last.waitMs + Math.round(Math.random() * 250) : backoffDelay(attempt, this.o.backoff ?? DEFAULT_BACKOFF)
    await sleep(wait, signal)
  }
}

/**
 * The parameters of the page after `page`: openFDA's Link rel="next" (search_after) when given;
 * otherwise skip paging while skip stays within 25,000; null after the last page.
 */
export function nextParams(p: OpenFdaParams, page: Page): OpenFdaParams | null {
  if (page.next) return page.next
  const got = page.envelope.results.length
  const total = page.envelope.meta.results?.total ?? 0
  const skip = p.skip ?? 0
  // A search_after page without a next link is the last one (openFDA links every full page).
  if (got === 0 || skip + got >= total || p.count || p.search_after || got < (p.limit ?? 1)) return null
  if (!p.search_after && skip + got <= MAX_SKIP) return { ...p, skip: skip + got }
  throw new OpenFdaQueryError(400, 'BAD_REQUEST', `${total} matches, more than skip can reach (${MAX_SKIP}), and the server offers no search_after link: narrow the search`)
}

function checkParams(p: OpenFdaParams): void {
  const bad = (m: string): never => {
    throw new OpenFdaQueryError(400, 'BAD_REQUEST', m)
  }
  if (p.limit !== undefined && (!Number.isInteger(p.limit) || p.limit < 0 || p.limit > MAX_LIMIT)) bad(`limit must be a whole number from 0 to ${MAX_LIMIT}, not ${p.limit}`)
  if (p.skip !== undefined && (!Number.isInteger(p.skip) || p.skip < 0 || p.skip > MAX_SKIP)) bad(`skip must be a whole number from 0 to ${MAX_SKIP}, not ${p.skip}; page further with search_after`)
  if (p.search_after && p.skip) bad('skip and search_after do not work together: leave skip out')
  if (p.sort !== undefined && !/^[A-Za-z0-9_.]+:(asc|desc)$/.test(p.sort)) bad(`sort must be FIELD:asc or FIELD:desc, not "${p.sort}"`)
}

function isNotFound(body: unknown): boolean {
  const code = (body as { error?: { code?: string } })?.error?.code
  return code === 'NOT_FOUND'
}

function isEnvelope(body: unknown): body is OpenFdaEnvelope {
  const b = body as OpenFdaEnvelope
  return Boolean(b && typeof b === 'object' && b.meta && typeof b.meta === 'object' && Array.isArray(b.results))
}

/** `<https://api.fda.gov/device/event.json?search=…&limit=100&skip=0&search_after=0%3D…>; rel="next"` → the next page's parameters (without api_key). */
export function parseNextLink(link: string | null): OpenFdaParams | null {
  if (!link) return null
  for (const part of link.split(/,(?=\s*<)/)) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part)
    if (!m) continue
    let u: URL
    try {
      u = new URL(m[1])
    } catch {
      return null
    }
    const q = u.searchParams
    const num = (k: string): number | undefined => (q.get(k) !== null && q.get(k) !== '' ? Number(q.get(k)) : undefined)
    const next: OpenFdaParams = {}
    if (q.get('search')) next.search = q.get('search')!
    if (q.get('sort')) next.sort = q.get('sort')!
    if (q.get('count')) next.count = q.get('count')!
    if (num('limit') !== undefined) next.limit = num('limit')
    if (q.get('search_after')) next.search_after = q.get('search_after')!
    else if (num('skip') !== undefined) next.skip = num('skip')
    return next
  }
  return null
}
