import { describe, expect, it } from 'vitest'
import { JsonCache, cacheKey } from '../../src/main/openfda/cache/json-cache'
import { readInput, type ReadEvent } from '../../src/main/importer/read-file'
import { classify } from '../../src/main/importer/sources'
import { DEFAULT_TTL_SECONDS, ReadPath } from '../../src/main/openfda/read-path'
import { OpenFdaQueryError, type QueryEngine } from '../../src/main/openfda/query/types'
import { partitionsOf } from '../../src/main/refresh/refresh'
import { planEndpoint, staleness, windowSearch } from '../../src/main/refresh/plan'
import { tempHome } from '../support/temp-home'

const DAY = 86_400_000

describe('refresh planning', () => {
  it('uses a date window with overlap for endpoints with a moving date, bulk files otherwise', () => {
    const today = new Date('2026-11-29T10:00:00Z')
    expect(planEndpoint('event', new Date('2026-11-20T00:00:00Z'), { today })).toEqual({ endpoint: 'event', mode: 'date-range', dateField: 'date_received', from: '2026-10-21', to: '2026-11-29' })
    expect(planEndpoint('event', null, { today }).mode).toBe('bulk') // never loaded: a window would bring only part
    expect(planEndpoint('event', new Date(), { today, full: true }).mode).toBe('bulk')
    expect(planEndpoint('classification', new Date(), { today }).mode).toBe('bulk')
    expect(planEndpoint('510k', null, { today, since: '2026-01-01' })).toMatchObject({ mode: 'date-range', from: '2026-01-01' })
    expect(windowSearch('event', '2026-10-21', '2026-11-29')).toBe('date_received:[20261021 TO 20261129]')
    expect(windowSearch('510k', '2026-10-21', '2026-11-29')).toBe('decision_date:[2026-10-21 TO 2026-11-29]')
  })

  it('calls an endpoint fresh within its TTL, due past it, overdue past twice it or never loaded', () => {
    const now = Date.parse('2026-11-29T12:00:00Z')
    expect(staleness(new Date(now - 0.5 * DAY), 86_400, now)).toBe('fresh')
    expect(staleness(new Date(now - 1.5 * DAY), 86_400, now)).toBe('due')
    expect(staleness(new Date(now - 3 * DAY), 86_400, now)).toBe('overdue')
    expect(staleness(null, 86_400, now)).toBe('overdue')
  })

  it('reads partitions from openFDA\'s download manifest and names what is missing', () => {
    const m = { results: { device: { udi: { partitions: [{ file: 'https://x/a.json.zip', records: 3 }, { file: 'https://x/b.json.zip', records: 2 }] } } } }
    expect(partitionsOf(m, 'udi', 'u')).toEqual([{ file: 'https://x/a.json.zip', records: 3 }, { file: 'https://x/b.json.zip', records: 2 }])
    expect(() => partitionsOf(m, 'event', 'https://m')).toThrow(/lists no files for device\/event/)
  })
})

describe('the JSON cache', () => {
  it('writes the earlier tool\'s integrity envelope, which the migration wizard verifies', async () => {
    const t = tempHome()
    try {
      const cache = new JsonCache(t.home)
      const env = { meta: { last_updated: '2026-11-01', results: { skip: 0, limit: 1, total: 1 } }, results: [{ k_number: 'K123456', device_name: 'Stent, ünïcode', x: 1.5 }] }
      const file = cache.write('510k', { search: 'k_number:K123456', limit: 1 }, env)
      expect(file.endsWith(`${cacheKey('510k', { search: 'k_number:K123456', limit: 1 })}.json`)).toBe(true)
      // `+` is a space in openFDA queries: the same query, the same file
      expect(cache.fileFor('510k', { search: 'k_number:K123456', limit: 1 })).toBe(cache.fileFor('510k', { search: 'k_number:K123456 ', limit: 1, skip: 0 }))
      const events: ReadEvent[] = []
      for await (const ev of readInput(classify(file, null), null)) events.push(ev)
      expect(events[0]).toMatchObject({ type: 'file', endpoint: '510k', checksum: 'verified' })
      expect(events.filter((e) => e.type === 'record')).toHaveLength(1)
      const back = cache.read('510k', { search: 'k_number:K123456', limit: 1 })
      expect('envelope' in back && back.envelope).toEqual(env)
    } finally {
      t.cleanup()
    }
  })

  it('treats an altered cache file as absent', async () => {
    const t = tempHome()
    try {
      const cache = new JsonCache(t.home)
      const file = cache.write('classification', { limit: 1 }, { meta: {}, results: [{ product_code: 'ABC' }] })
      const { readFileSync, writeFileSync } = await import('node:fs')
      writeFileSync(file, readFileSync(file, 'utf8').replace('ABC', 'ABD'))
      expect(cache.read('classification', { limit: 1 })).toMatchObject({ missing: expect.stringMatching(/fails its checksum/) })
    } finally {
      t.cleanup()
    }
  })
})

describe('the read path tiers', () => {
  const engine = (answer: () => Promise<unknown>): QueryEngine => ({ query: answer as QueryEngine['query'] })
  const ok = { meta: { results: { skip: 0, limit: 1, total: 1 } }, results: [{ product_code: 'ABC' }] }

  it('skips a stale mirror, answers from the API, and falls back to the stale mirror marked degraded when the API fails', async () => {
    const t = tempHome()
    try {
      const stale = { freshness: async () => ({ lastSuccessAt: new Date(Date.now() - 3 * DAY), ttlSeconds: 86_400 }) }
      const fromApi = await new ReadPath({ postgres: { engine: engine(async () => ok), ...stale }, cache: new JsonCache(t.home), api: engine(async () => ({ ...ok, results: [{ product_code: 'API' }] })) }).query('classification', { limit: 1 })
      expect(fromApi.meta.fda_offline.tier).toBe('api')
      expect(fromApi.meta.fda_offline.skipped[0].reason).toMatch(/stale: last refreshed .* older than its TTL of 1 day/)
      const fallback = await new ReadPath({ postgres: { engine: engine(async () => ok), ...stale }, cache: null, api: engine(async () => Promise.reject(new Error('ECONNREFUSED'))) }).query('classification', { limit: 1 })
      expect(fallback.meta.fda_offline).toMatchObject({ tier: 'postgres', degraded: true })
      expect(fallback.results).toEqual(ok.results)
    } finally {
      t.cleanup()
    }
  })

  it('returns an empty envelope for 404, and throws only for a query openFDA refuses', async () => {
    const fresh = { freshness: async () => ({ lastSuccessAt: new Date(), ttlSeconds: DEFAULT_TTL_SECONDS.classification }) }
    const none = await new ReadPath({ postgres: { engine: engine(async () => Promise.reject(new OpenFdaQueryError(404, 'NOT_FOUND', 'No matches found!'))), ...fresh }, cache: null, api: null }).query('classification', { limit: 5 })
    expect(none).toMatchObject({ results: [], meta: { results: { total: 0 }, fda_offline: { tier: 'postgres', degraded: false } } })
    const bad = new ReadPath({ postgres: { engine: engine(async () => Promise.reject(new OpenFdaQueryError(400, 'BAD_REQUEST', 'Invalid search'))), ...fresh }, cache: null, api: null })
    await expect(bad.query('classification', { search: 'x:[' })).rejects.toBeInstanceOf(OpenFdaQueryError)
  })
})
