import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { JsonCache } from '../../src/main/openfda/cache/json-cache'
import { redact } from '../../src/main/openfda/client/api-key'
import { OpenFdaClient, OpenFdaUnavailableError, parseNextLink } from '../../src/main/openfda/client/openfda-client'
import { backoffDelay, parseRetryAfter } from '../../src/main/openfda/client/retry'
import { OpenFdaQueryError } from '../../src/main/openfda/query/types'
import { ReadPath } from '../../src/main/openfda/read-path'
import { startTestOpenFdaServer, type TestOpenFdaServer } from '../../src/main/openfda/testing/test-openfda-server'
import { tempHome } from '../support/temp-home'

const KEY = 'Sk3yDoNotLeakAbcdef0123456789XYZ'
let srv: TestOpenFdaServer
const logs: string[] = []
const client = (o: Partial<ConstructorParameters<typeof OpenFdaClient>[0]> = {}) =>
  new OpenFdaClient({ baseUrl: srv.url, apiKey: KEY, limiter: null, retries: 3, backoff: { baseMs: 20, maxMs: 200 }, timeoutMs: 2_000, log: (l) => logs.push(l), ...o })

beforeAll(async () => {
  srv = await startTestOpenFdaServer({ generate: { '510k': 25, classification: 12 }, port: 60060 + Number(process.env.FDA_TEST_PORT_OFFSET ?? 0) % 5 })
})
afterAll(() => srv.close())
beforeEach(() => {
  srv.requests.length = 0
  srv.setFaults([])
  logs.length = 0
})

describe('backoff arithmetic', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-29T12:00:00Z')
    expect(parseRetryAfter('3', now)).toBe(3000)
    expect(parseRetryAfter('Sun, 29 Nov 2026 12:00:07 GMT', now)).toBe(7000)
    expect(parseRetryAfter('Sun, 29 Nov 2026 11:59:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeNull()
    expect(parseRetryAfter(null, now)).toBeNull()
  })
  it('grows exponentially with jitter, never below half the step, never above the cap', () => {
    const p = { baseMs: 100, maxMs: 1000 }
    expect(backoffDelay(0, p, () => 0)).toBe(50)
    expect(backoffDelay(0, p, () => 1)).toBe(100)
    expect(backoffDelay(3, p, () => 0)).toBe(400)
    expect(backoffDelay(10, p, () => 1)).toBe(1000)
  })
})

describe('openFDA client against the fault-injecting test server', () => {
  it('waits at least Retry-After (seconds) after a 429, then succeeds', async () => {
    srv.setFaults([{ kind: 'status', status: 429, retryAfter: 1, match: '/device/510k.json' }])
    const env = await client().query('510k', { limit: 5 })
    expect(env.results).toHaveLength(5)
    const [first, second] = srv.requests
    expect(first.status).toBe(429)
    expect(second.status).toBe(200)
    expect(second.at - first.at).toBeGreaterThanOrEqual(1000)
  })

  it('waits until the Retry-After HTTP date after a 429', async () => {
    const until = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000) // HTTP dates have whole seconds
    srv.setFaults([{ kind: 'status', status: 429, retryAfter: until }])
    await client().query('510k', { limit: 1 })
    expect(srv.requests).toHaveLength(2)
    expect(srv.requests[1].at).toBeGreaterThanOrEqual(until.getTime())
  })

  it('fails instead of waiting when Retry-After is longer than it will wait', async () => {
    srv.setFaults([{ kind: 'status', status: 429, retryAfter: 3600 }])
    await expect(client({ maxRetryAfterMs: 10_000 }).query('510k', { limit: 1 })).rejects.toThrow(/asks to wait 3600 s/)
    expect(srv.requests).toHaveLength(1)
  })

  it('retries 5xx, reset connections and timeouts with backoff', async () => {
    srv.setFaults([{ kind: 'status', status: 503 }, { kind: 'reset' }, { kind: 'slow', delayMs: 1500 }])
    const env = await client({ timeoutMs: 500 }).query('510k', { limit: 2 })
    expect(env.results).toHaveLength(2)
    expect(srv.requests.length).toBe(4)
    expect(logs.join('\n')).toMatch(/503/)
    expect(logs.join('\n')).toMatch(/network error/)
    expect(logs.join('\n')).toMatch(/no answer within 500 ms/)
  })

  it('gives up after its retries with a typed error', async () => {
    srv.setFaults([{ kind: 'status', status: 500, times: Infinity }])
    const e = await client({ retries: 2 }).query('510k', { limit: 1 }).catch((x) => x)
    expect(e).toBeInstanceOf(OpenFdaUnavailableError)
    expect((e as OpenFdaUnavailableError).attempts).toBe(3)
    expect(srv.requests).toHaveLength(3)
  })

  it('does not retry a 400, and reports openFDA\'s error', async () => {
    srv.setFaults([{ kind: 'status', status: 400 }])
    const e = await client().query('510k', { limit: 1 }).catch((x) => x)
    expect(e).toBeInstanceOf(OpenFdaQueryError)
    expect((e as OpenFdaQueryError).status).toBe(400)
    expect(srv.requests).toHaveLength(1)
    // and a query openFDA refuses is refused the same way, once
    srv.requests.length = 0
    await expect(client().query('510k', { search: 'k_number:[a TO' })).rejects.toBeInstanceOf(OpenFdaQueryError)
    expect(srv.requests).toHaveLength(1)
  })

  it('answers 404 "No matches found" as an empty result, without retrying', async () => {
    const env = await client().query('510k', { search: 'k_number:K000000000', limit: 10 })
    expect(env.results).toEqual([])
    expect(env.meta.results?.total).toBe(0)
    expect(srv.requests).toHaveLength(1)
    expect(srv.requests[0].status).toBe(404)
  })

  it('retries a truncated body and never stores it: the cache holds the complete answer', async () => {
    const home = tempHome()
    try {
      const cache = new JsonCache(home.home)
      const rp = new ReadPath({ postgres: null, cache, api: client() })
      srv.setFaults([{ kind: 'truncate' }])
      const env = await rp.query('classification', { limit: 12 })
      expect(srv.requests).toHaveLength(2)
      expect(srv.requests[0].fault).toBe('truncate')
      expect(env.results).toHaveLength(12)
      expect(env.meta.fda_offline.tier).toBe('api')
      const stored = cache.read('classification', { limit: 12 })
      expect('envelope' in stored && stored.envelope.results).toHaveLength(12)
      // a JSON body that is not an envelope is retried too
      srv.requests.length = 0
      srv.setFaults([{ kind: 'status', status: 200, body: { partial: true } }])
      expect((await client().query('classification', { limit: 3 })).results).toHaveLength(3)
      expect(srv.requests).toHaveLength(2)
    } finally {
      home.cleanup()
    }
  })

  it('pages past skip with the Link header (search_after) and sends the key without ever showing it', async () => {
    const c = client()
    const seen: string[] = []
    let pages = 0
    for await (const p of c.pages('510k', { search: '_exists_:k_number', limit: 10 })) {
      pages++
      for (const r of p.envelope.results as { k_number: string }[]) seen.push(r.k_number)
    }
    expect(pages).toBe(3)
    expect(new Set(seen).size).toBe(25)
    expect(srv.requests.slice(1).every((r) => r.params.search_after && !r.params.skip)).toBe(true)
    expect(srv.requests.every((r) => r.apiKey === KEY)).toBe(true)
  })

  it('keeps the API key out of errors and logs', async () => {
    srv.setFaults([{ kind: 'status', status: 500, times: 2 }, { kind: 'status', status: 400, body: { error: { code: 'BAD_REQUEST', message: `bad api_key=${KEY}` } } }])
    const e = (await client({ retries: 4 }).query('510k', { limit: 1 }).catch((x) => x)) as Error
    expect(e).toBeInstanceOf(OpenFdaQueryError)
    srv.setFaults([{ kind: 'status', status: 500, times: Infinity }])
    const e2 = (await client({ retries: 1 }).query('510k', { limit: 1 }).catch((x) => x)) as Error
    const everything = [e.message, e.stack, e2.message, e2.stack, ...logs].join('\n')
    expect(logs.length).toBeGreaterThan(0)
    expect(everything).not.toContain(KEY)
    expect(everything).toContain('api_key=***')
    expect(redact(`x?api_key=${KEY}&y=1 and ${KEY}`, KEY)).toBe('x?api_key=***&y=1 and ***')
  })

  it('parses openFDA\'s next link without the key', () => {
    const next = parseNextLink(`<https://api.fda.gov/device/event.json?search=a&limit=100&skip=0&search_after=0%3D12&api_key=${KEY}>; rel="next"`)
    expect(next).toEqual({ search: 'a', limit: 100, search_after: '0=12' })
    expect(JSON.stringify(next)).not.toContain(KEY)
  })
})
