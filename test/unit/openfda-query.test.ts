import { describe, expect, it } from 'vitest'
import { MemoryQueryEngine } from '../../src/main/openfda/query/memory-engine'
import { parseSearch } from '../../src/main/openfda/query/parse'
import { planQuery } from '../../src/main/openfda/query/plan'
import { OpenFdaQueryError } from '../../src/main/openfda/query/types'

const rec510k = (k: string, o: Record<string, unknown>) => ({ k_number: k, ...o })
const engine = new MemoryQueryEngine(
  {
    '510k': [
      rec510k('K000003', { device_name: 'X-Ray System, Mobile', applicant: 'ACME Corp', decision_date: '2004-05-01', product_code: 'IZL', openfda: { device_class: '2', fei_number: ['111', '222'] } }),
      rec510k('K000001', { device_name: 'Catheter, Intravascular', applicant: 'Beta Inc', decision_date: '2008-12-31', product_code: 'DQY', openfda: { device_class: '2' } }),
      rec510k('K000002', { device_name: 'x-ray film', applicant: 'ACME Corp', decision_date: '2010-01-02', product_code: 'IZL', statement_or_summary: '' }),
      rec510k('K000004', { device_name: 'Ray Guard', applicant: 'Gamma', decision_date: '', product_code: 'ABC', openfda: { device_class: '3' } })
    ],
    event: [
      { mdr_report_key: '10', date_received: '20040214', event_type: 'Death', device: [{ brand_name: 'Alpha Pump', generic_name: 'PUMP' }, { brand_name: 'Beta Line' }] },
      { mdr_report_key: '11', date_received: '20040301', event_type: 'Injury', device: [{ brand_name: 'Beta Pump' }] }
    ]
  },
  { lastUpdated: () => '2026-06-30' }
)
const keys = async (endpoint: '510k' | 'event', params: object) => (await engine.query(endpoint, params)).results.map((r) => (r as { k_number?: string; mdr_report_key?: string }).k_number ?? (r as { mdr_report_key: string }).mdr_report_key)
const err = async (p: Promise<unknown>) => {
  try {
    await p
  } catch (e) {
    if (e instanceof OpenFdaQueryError) return { status: e.status, ...e.body().error }
    throw e
  }
  throw new Error('expected an openFDA error')
}

describe('search syntax', () => {
  it('parses fields, phrases, boolean operators, ranges, _exists_ and + as space', () => {
    expect(parseSearch('device_name:"x-ray"+AND+decision_date:[20040101+TO+20081231]')).toEqual({
      type: 'and',
      children: [
        { type: 'term', field: 'device_name', value: { kind: 'phrase', text: 'x-ray' } },
        { type: 'term', field: 'decision_date', value: { kind: 'range', lo: '20040101', hi: '20081231', loInclusive: true, hiInclusive: true } }
      ]
    })
    expect(parseSearch('a b')).toEqual({ type: 'or', children: [{ type: 'term', field: null, value: { kind: 'word', text: 'a', wildcard: false } }, { type: 'term', field: null, value: { kind: 'word', text: 'b', wildcard: false } }] })
    expect(parseSearch('NOT _exists_:openfda.device_class')).toEqual({ type: 'not', child: { type: 'exists', field: 'openfda.device_class' } })
    expect(parseSearch('-product_code:IZL')).toEqual({ type: 'not', child: { type: 'term', field: 'product_code', value: { kind: 'word', text: 'IZL', wildcard: false } } })
    expect(parseSearch('product_code:(IZL OR DQY)')).toMatchObject({ type: 'or', children: [{ field: 'product_code' }, { field: 'product_code' }] })
    expect(parseSearch('')).toEqual({ type: 'all' })
    expect(parseSearch('brand_name:child*')).toMatchObject({ type: 'term', value: { kind: 'word', text: 'child*', wildcard: true } })
  })

  it.each([
    ['device_name:"x-ray', /unclosed quote/],
    ['(device_name:x', /missing '\)'/],
    ['device_name:x)', /unexpected '\)'/],
    ['AND device_name:x', /unexpected AND/],
    ['device_name:', /has no value/],
    ['decision_date:[2004 2005]', /range is written/],
    ['decision_date:[20040101 TO 2005', /unclosed range/],
    ['a:(b:c)', /inside the group/],
    ['x'.repeat(5000), /longer than 4000/],
    [Array.from({ length: 70 }, (_, i) => `t${i}`).join(' OR '), /more than 64 terms/],
    ['('.repeat(20) + 'a' + ')'.repeat(20), /nested deeper/]
  ])('rejects %s with 400 BAD_REQUEST', async (search, message) => {
    const e = await err(engine.query('510k', { search }))
    expect(e).toMatchObject({ status: 400, code: 'BAD_REQUEST' })
    expect(e.message).toMatch(message)
  })

  it('checks dates, limit, skip, sort and search_after as openFDA does', async () => {
    expect(await err(engine.query('510k', { search: 'decision_date:[2004-13-01 TO 2005-01-01]' }))).toMatchObject({ status: 400, message: expect.stringMatching(/not a date/) })
    expect(await err(engine.query('510k', { limit: 1001 }))).toMatchObject({ status: 400, message: expect.stringMatching(/Limit cannot exceed 1000/) })
    expect(await err(engine.query('510k', { skip: 25001 }))).toEqual({ status: 400, code: 'BAD_REQUEST', message: 'Skip value must 25000 or less.' })
    expect(await err(engine.query('510k', { sort: 'nonexistent:asc' }))).toMatchObject({ status: 400 })
    expect(await err(engine.query('510k', { sort: 'decision_date:up' }))).toMatchObject({ status: 400 })
    expect(await err(engine.query('510k', { search_after: 'not a cursor' }))).toMatchObject({ status: 400 })
    expect(await err(engine.query('510k', { search: 'device_name:zebra' }))).toEqual({ status: 404, code: 'NOT_FOUND', message: 'No matches found!' })
    expect(await err(engine.query('510k', { search: 'no_such_field:x' }))).toMatchObject({ status: 404 })
    expect(await err(engine.query('510k', { count: 'no_such_field' }))).toMatchObject({ status: 404 })
    expect(() => planQuery('510k', { skip: 25000, limit: 1000 })).not.toThrow()
  })
})

describe('MemoryQueryEngine matching', () => {
  it('matches non-exact fields by tokens, case-insensitively; phrases need consecutive tokens', async () => {
    expect(await keys('510k', { search: 'device_name:"x-ray"', limit: 10 })).toEqual(['K000002', 'K000003'])
    expect(await keys('510k', { search: 'device_name:X-RAY', limit: 10 })).toEqual(['K000002', 'K000003'])
    expect(await keys('510k', { search: 'device_name:ray', limit: 10 })).toEqual(['K000002', 'K000003', 'K000004'])
    expect(await keys('510k', { search: 'device_name:"ray x"', limit: 10 }).catch(() => [])).toEqual([])
    expect(await keys('510k', { search: 'device_name:cath*', limit: 10 })).toEqual(['K000001'])
  })

  it('matches .exact whole values case-sensitively, with wildcards', async () => {
    expect(await keys('510k', { search: 'applicant.exact:"ACME Corp"', limit: 10 })).toEqual(['K000002', 'K000003'])
    expect(await err(engine.query('510k', { search: 'applicant.exact:"acme corp"' }))).toMatchObject({ status: 404 })
    expect(await err(engine.query('510k', { search: 'applicant.exact:ACME' }))).toMatchObject({ status: 404 })
    expect(await keys('510k', { search: 'device_name.exact:X-Ray*', limit: 10 })).toEqual(['K000003'])
  })

  it('combines AND, OR (space), NOT, ranges and _exists_', async () => {
    expect(await keys('510k', { search: 'product_code:IZL AND decision_date:[20040101 TO 20081231]', limit: 10 })).toEqual(['K000003'])
    expect(await keys('510k', { search: 'product_code:DQY product_code:ABC', limit: 10 })).toEqual(['K000001', 'K000004'])
    expect(await keys('510k', { search: 'NOT product_code:IZL', limit: 10 })).toEqual(['K000001', 'K000004'])
    expect(await keys('510k', { search: 'decision_date:{2004-05-01 TO 2010-01-02]', limit: 10 })).toEqual(['K000001', 'K000002'])
    expect(await keys('510k', { search: '_exists_:openfda.device_class', limit: 10 })).toEqual(['K000001', 'K000003', 'K000004'])
    expect(await keys('510k', { search: '_exists_:statement_or_summary' }).catch(() => [])).toEqual([]) // an empty value does not exist
    expect(await keys('510k', { search: 'openfda.fei_number:222', limit: 10 })).toEqual(['K000003'])
    expect(await keys('510k', { search: 'acme', limit: 10 })).toEqual(['K000002', 'K000003']) // no field: any field
  })

  it('steps through nested arrays: any element matches', async () => {
    expect(await keys('event', { search: 'device.brand_name:"beta line"' })).toEqual(['10'])
    expect(await keys('event', { search: 'device.brand_name:pump', limit: 5 })).toEqual(['10', '11'])
    expect(await keys('event', { search: 'date_received:20040214' })).toEqual(['10'])
    expect(await keys('event', { search: 'date_received:2004-02-14' })).toEqual(['10'])
  })

  it('sorts with missing values last and the key as tie-breaker; skip, limit and totals', async () => {
    const env = await engine.query('510k', { sort: 'decision_date:desc', limit: 2, skip: 1 })
    expect(env.meta.results).toEqual({ skip: 1, limit: 2, total: 4 })
    expect(env.results.map((r) => (r as { k_number: string }).k_number)).toEqual(['K000001', 'K000003'])
    expect(await keys('510k', { sort: 'decision_date:asc', limit: 10 })).toEqual(['K000003', 'K000001', 'K000002', 'K000004'])
    expect(await keys('510k', { sort: 'applicant:asc', limit: 10 })).toEqual(['K000002', 'K000003', 'K000001', 'K000004'])
  })

  it('counts tokens, exact values and dates as openFDA does', async () => {
    expect((await engine.query('510k', { count: 'applicant' })).results).toEqual([
      { term: 'acme', count: 2 }, { term: 'corp', count: 2 }, { term: 'beta', count: 1 }, { term: 'gamma', count: 1 }, { term: 'inc', count: 1 }
    ])
    const exact = await engine.query('510k', { count: 'applicant.exact', limit: 2 })
    expect(exact.results).toEqual([{ term: 'ACME Corp', count: 2 }, { term: 'Beta Inc', count: 1 }])
    expect(exact.meta.results).toBeUndefined()
    expect((await engine.query('event', { count: 'date_received' })).results).toEqual([{ time: '20040214', count: 1 }, { time: '20040301', count: 1 }])
    expect((await engine.query('event', { count: 'device.brand_name.exact', search: 'event_type:death' })).results).toEqual([{ term: 'Alpha Pump', count: 1 }, { term: 'Beta Line', count: 1 }])
  })

  it('pages with search_after past the skip limit', async () => {
    const { encodeCursor } = await import('../../src/main/openfda/query/plan')
    const page2 = await keys('510k', { sort: 'decision_date:asc', limit: 2, search_after: encodeCursor(['2008-12-31', 'K000001']) })
    expect(page2).toEqual(['K000002', 'K000004'])
  })
})
