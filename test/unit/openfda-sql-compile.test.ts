import { describe, expect, it } from 'vitest'
import { ENDPOINT_DEFS, EXTRACTED_COLUMNS, ENDPOINTS } from '../../src/main/openfda/endpoints'
import { planQuery } from '../../src/main/openfda/query/plan'
import { __compile } from '../../src/main/openfda/query/sql-engine'
import { OpenFdaQueryError } from '../../src/main/openfda/query/types'

const ALLOWED = new Set<string>([...EXTRACTED_COLUMNS, ...ENDPOINTS.flatMap((e) => ENDPOINT_DEFS[e].keyColumns), ...ENDPOINTS.map((e) => ENDPOINT_DEFS[e].table), 'C'])

function compileAll(search: string, extra: object = {}) {
  const out: { text: string; values: unknown[] }[] = []
  for (const params of [{ search, ...extra }, { search, sort: 'decision_date:desc', ...extra }, { search, count: 'applicant.exact' }, { search, count: 'device_name' }]) {
    try {
      const plan = planQuery('510k', params)
      out.push(plan.count ? __compile.compileCount(plan) : __compile.compileSearch(plan), __compile.compileTotal(plan))
    } catch (e) {
      if (!(e instanceof OpenFdaQueryError)) throw e
    }
  }
  return out
}

describe('generated SQL', () => {
  const nasty = [
    "'; DROP TABLE openfda.device_510k; --",
    "applicant:'x' OR '1'='1'",
    'applicant.exact:"a\\"b; DELETE FROM x"',
    'applicant.exact:"$$ ) ? (@ != $$"',
    'device_name:"robert\'); DROP TABLE students;--"',
    'openfda.device_class:"\\\\" AND 1=1',
    'applicant:pg_sleep* OR device_name:UNION',
    'decision_date:[2004-01-01 TO *] AND NOT applicant:"a\'b"'
  ]

  it.each(nasty)('keeps every value out of the SQL text: %s', (search) => {
    const compiled = compileAll(search)
    expect(compiled.length).toBeGreaterThan(0)
    for (const { text, values } of compiled) {
      for (const bad of ['DROP', 'DELETE', "'1'='1'", 'pg_sleep', 'UNION', 'students', '$$']) expect(text).not.toContain(bad)
      // Every quoted identifier comes from the allow-list; string literals are only fixed ones.
      for (const [, id] of text.matchAll(/"([^"]*)"/g)) expect(ALLOWED.has(id) || id === '').toBe(true)
      const literals = [...text.matchAll(/'([^']*)'/g)].map((m) => m[1])
      for (const l of literals) expect(['{}', 'string', 'number', 'boolean', '', 'strict $.**', '[^a-z0-9]+', 'YYYY-MM-DD']).toContain(l)
      expect(values.length).toBeGreaterThan(0)
    }
  })

  it('uses the indexed columns for keys, product codes, firms and dates, and the JSON path index for exact values', () => {
    const [key] = compileAll('k_number:K123456')
    expect(key.text).toContain('openfda.fda_tokens(t."k_number") @>')
    const [firm] = compileAll('applicant:acme')
    expect(firm.text).toContain('t."firm" ~*')
    const [date] = compileAll('decision_date:[20040101 TO 20081231]')
    expect(date.text).toMatch(/t\."decision_date" >= \$\d+::date AND t\."decision_date" <= \$\d+::date/)
    const [exact] = compileAll('openfda.device_name.exact:"Catheter, X"')
    expect(exact.text).toContain('t.record @? $')
    expect(exact.values).toContain('$."openfda"[*]."device_name"[*] ? (@ == "Catheter, X")')
  })
})

describe('the count cache', () => {
  it('runs concurrent identical questions once, keys by table version, and forgets failures', async () => {
    const { ResultCache } = await import('../../src/main/openfda/query/sql-engine')
    const cache = new ResultCache(10)
    const plan = planQuery('510k', { count: 'applicant' })
    let runs = 0
    const run = async () => (runs++, await new Promise((r) => setTimeout(r, 20)), runs)
    const [a, b] = await Promise.all([cache.get('e/1', 'count', plan, run), cache.get('e/1', 'count', plan, run)])
    expect([a, b, runs]).toEqual([1, 1, 1])
    expect(await cache.get('e/2', 'count', plan, run)).toBe(2) // the table changed
    await expect(cache.get('e/3', 'count', plan, () => Promise.reject(new Error('timeout')))).rejects.toThrow()
    expect(await cache.get('e/3', 'count', plan, run)).toBe(3)
    expect(await cache.get(null, 'count', plan, run)).toBe(4) // no versions: never cached
  })
})
