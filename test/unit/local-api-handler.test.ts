import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createOpenFdaHandler } from '../../src/main/openfda/local-api/handler'
import { MemoryQueryEngine } from '../../src/main/openfda/query/memory-engine'
import type { QueryEngine } from '../../src/main/openfda/query/types'

async function serve(engine: QueryEngine, opts: { maxInFlight?: number } = {}) {
  const handler = createOpenFdaHandler({ engine, ...opts })
  const server = createServer((req, res) => void handler(req, res))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) }
}

describe('the openFDA HTTP handler', () => {
  it('answers "busy, retry" past its in-flight limit instead of queueing without end', async () => {
    const memory = new MemoryQueryEngine({ classification: [{ product_code: 'AAA' }] })
    let release: () => void = () => {}
    const gate = new Promise<void>((r) => (release = r))
    const slow: QueryEngine = { query: async (e, p, s) => (await gate, memory.query(e, p, s)) }
    const srv = await serve(slow, { maxInFlight: 2 })
    try {
      const a = fetch(`${srv.url}/device/classification.json`)
      const b = fetch(`${srv.url}/device/classification.json`)
      await new Promise((r) => setTimeout(r, 100))
      const c = await fetch(`${srv.url}/device/classification.json`)
      expect(c.status).toBe(503)
      expect(c.headers.get('retry-after')).toBe('1')
      release()
      expect([(await a).status, (await b).status]).toEqual([200, 200])
      expect((await fetch(`${srv.url}/device/classification.json`)).status).toBe(200)
    } finally {
      await srv.close()
    }
  })

  it('answers unexpected engine failures with openFDA\'s server error body, never the exception text', async () => {
    const broken: QueryEngine = { query: async () => Promise.reject(new Error('password=secret at /internal/path')) }
    const srv = await serve(broken)
    try {
      const r = await fetch(`${srv.url}/device/510k.json`)
      expect(r.status).toBe(500)
      const text = await r.text()
      expect(JSON.parse(text)).toEqual({ error: { code: 'SERVER_ERROR', message: 'Check your request and try again' } })
      expect(text).not.toContain('secret')
    } finally {
      await srv.close()
    }
  })
})
