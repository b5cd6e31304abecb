import { request } from 'node:http'
import yauzl from 'yauzl'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestOpenFdaServer, type TestOpenFdaServer } from '../../src/main/openfda/testing/test-openfda-server'

let srv: TestOpenFdaServer
beforeAll(async () => {
  srv = await startTestOpenFdaServer({ generate: { '510k': 120, event: 30 }, partitionRecords: 50, lastUpdated: '2026-06-30' })
})
afterAll(() => srv.close())

const unzipJson = (buf: Buffer) =>
  new Promise<unknown>((resolve, reject) =>
    yauzl.fromBuffer(buf, { lazyEntries: true }, (e, zip) => {
      if (e) return reject(e)
      zip.readEntry()
      zip.on('entry', (entry) =>
        zip.openReadStream(entry, (e2, s) => {
          if (e2) return reject(e2)
          const chunks: Buffer[] = []
          s.on('data', (c: Buffer) => chunks.push(c))
          s.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))))
        })
      )
    })
  )

describe('test openFDA server', () => {
  it('answers in openFDA envelopes with rate-limit headers, CORS and a Link to the next page', async () => {
    const r = await fetch(`${srv.url}/device/510k.json?search=_exists_:k_number&limit=100`)
    expect(r.status).toBe(200)
    expect(r.headers.get('access-control-allow-origin')).toBe('*')
    expect(Number(r.headers.get('x-ratelimit-limit'))).toBe(240)
    expect(Number(r.headers.get('x-ratelimit-remaining'))).toBeLessThan(240)
    const body = (await r.json()) as { meta: { results: unknown; last_updated: string; disclaimer: string }; results: { k_number: string }[] }
    expect(body.meta.results).toEqual({ skip: 0, limit: 100, total: 120 })
    expect(body.meta.last_updated).toBe('2026-06-30')
    const link = r.headers.get('link')!
    expect(link).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/device\/510k\.json\?.*search_after=.*>; rel="Next"$/)
    const next = await fetch(link.slice(1, link.indexOf('>')))
    const page2 = (await next.json()) as { results: { k_number: string }[] }
    expect(page2.results).toHaveLength(20)
    expect(next.headers.get('link')).toBeNull()
    const all = [...body.results, ...page2.results].map((x) => x.k_number)
    expect(new Set(all).size).toBe(120)
    expect(all).toEqual([...all].sort())
  })

  it('gives openFDA error bodies', async () => {
    const r = await fetch(`${srv.url}/device/510k.json?skip=30000`)
    expect(r.status).toBe(400)
    expect(await r.json()).toEqual({ error: { code: 'BAD_REQUEST', message: 'Skip value must 25000 or less.' } })
    const nf = await fetch(`${srv.url}/device/510k.json?search=device_name:zzzzzz`)
    expect(nf.status).toBe(404)
    expect(await nf.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No matches found!' } })
    expect((await fetch(`${srv.url}/device/510k.json`, { method: 'POST' })).status).toBe(405)
    expect((await fetch(`${srv.url}/drug/label.json`)).status).toBe(404)
  })

  it('injects faults in order: 429 with Retry-After (seconds and date), 500, slow, truncated, reset', async () => {
    const when = new Date(Date.now() + 2000)
    srv.setFaults([
      { kind: 'status', status: 429, retryAfter: 3, match: '/device/event.json' },
      { kind: 'status', status: 429, retryAfter: when, match: '/device/event.json' },
      { kind: 'status', status: 500, match: '/device/event.json' },
      { kind: 'slow', delayMs: 300, match: '/device/event.json' },
      { kind: 'truncate', match: '/device/event.json' },
      { kind: 'reset', match: '/device/event.json' }
    ])
    const u = `${srv.url}/device/event.json?limit=5`
    const a = await fetch(u)
    expect([a.status, a.headers.get('retry-after')]).toEqual([429, '3'])
    expect(((await a.json()) as { error: { code: string } }).error.code).toBe('OVER_RATE_LIMIT')
    const b = await fetch(u)
    expect([b.status, b.headers.get('retry-after')]).toEqual([429, when.toUTCString()])
    expect((await fetch(u)).status).toBe(500)
    const t0 = Date.now()
    expect((await fetch(u)).status).toBe(200)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290)
    await expect(fetch(u).then((r) => r.text())).rejects.toThrow()
    await expect(fetch(u)).rejects.toThrow()
    expect((await fetch(u)).status).toBe(200) // every fault used up
    expect(srv.requests.filter((r) => r.path === '/device/event.json').map((r) => r.fault)).toEqual(['status', 'status', 'status', 'slow', 'truncate', 'reset', null])
  })

  it('enforces a rate limit when asked', async () => {
    const s = await startTestOpenFdaServer({ generate: { classification: 3 }, rateLimit: { limit: 2, windowMs: 60_000, enforce: true } })
    try {
      const codes = []
      for (let i = 0; i < 3; i++) codes.push((await fetch(`${s.url}/device/classification.json`)).status)
      expect(codes).toEqual([200, 200, 429])
    } finally {
      await s.close()
    }
  })

  it('serves a download manifest with zipped bulk partitions of its data', async () => {
    const m = (await (await fetch(`${srv.url}/download.json`)).json()) as { results: { device: Record<string, { total_records: number; partitions: { file: string; records: number }[] }> } }
    const e = m.results.device['510k']
    expect(e.total_records).toBe(120)
    expect(e.partitions.map((p) => p.records)).toEqual([50, 50, 20])
    const zip = Buffer.from(await (await fetch(e.partitions[2].file)).arrayBuffer())
    const content = (await unzipJson(zip)) as { results: { k_number: string }[] }
    expect(content.results.map((r) => r.k_number)).toEqual(srv.records('510k').slice(100).map((r) => r.k_number))
    srv.setRecords('510k', srv.records('510k').slice(0, 10))
    const m2 = (await (await fetch(`${srv.url}/download.json`)).json()) as typeof m
    expect(m2.results.device['510k'].total_records).toBe(10)
  })

  it('refuses requests not addressed to loopback (DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${srv.url}/device/510k.json`, { headers: { Host: 'evil.example:80' } }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.end()
    })
    expect(status).toBe(403)
  })
})
