import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DATE_SPANS, ENDPOINT_NAMES, generateRecords, LAST_DATE, recordKey, type EndpointName } from '../../src/main/bench/generate-records'

type Rec = Record<string, any>
const take = (ep: EndpointName, n: number, opts?: { seed?: number; startIndex?: number }): Rec[] => [...generateRecords(ep, n, opts)]
const keys = (ep: EndpointName, recs: Rec[]): string[] => recs.map((r) => recordKey(ep, r))

// The real records bundled with the app (copies of /work/shared/openfda-samples).
const samples = (ep: EndpointName): Rec[] => JSON.parse(readFileSync(join(__dirname, '..', '..', 'resources', 'samples', `device-${ep}.sample.json`), 'utf8')).results

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/
const US = /^(\d{2})\/(\d{2})\/(\d{4})$/

/** The date as YYYY-MM-DD if `text` matches `format` and names a real calendar day, else null. */
function parseDate(text: string, format: RegExp): string | null {
  const m = format.exec(text)
  if (!m) return null
  const [y, mo, d] = format === US ? [m[3], m[1], m[2]] : [m[1], m[2], m[3]]
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)))
  const iso = `${y}-${mo}-${d}`
  return date.toISOString().slice(0, 10) === iso ? iso : null
}

// Date fields per endpoint; `a[].b` reaches into arrays. The first one is the endpoint's main date.
const DATE_FIELDS: Record<EndpointName, { format: RegExp; fields: string[] }> = {
  '510k': { format: ISO, fields: ['date_received', 'decision_date'] },
  classification: { format: ISO, fields: [] },
  event: {
    format: COMPACT,
    fields: ['date_received', 'date_of_event', 'date_report', 'date_manufacturer_received', 'date_facility_aware', 'device[].date_received', 'device[].expiration_date_of_device', 'device[].date_returned_to_manufacturer', 'patient[].date_received']
  },
  recall: { format: ISO, fields: ['event_date_posted', 'event_date_initiated', 'event_date_created', 'event_date_terminated'] },
  pma: { format: ISO, fields: ['date_received', 'decision_date', 'fed_reg_notice_date'] },
  udi: { format: ISO, fields: ['publish_date', 'public_version_date', 'commercial_distribution_end_date'] },
  enforcement: { format: COMPACT, fields: ['report_date', 'recall_initiation_date', 'center_classification_date', 'termination_date'] }
}
const valuesAt = (rec: Rec, field: string): unknown[] => {
  const [outer, inner] = field.split('[].')
  return inner ? (rec[outer] as Rec[]).map((x) => x[inner]) : [rec[field]]
}

describe('generateRecords', () => {
  it('covers the seven device endpoints', () => {
    expect(ENDPOINT_NAMES).toEqual(['510k', 'classification', 'event', 'recall', 'pma', 'udi', 'enforcement'])
  })

  it('is deterministic: same seed, same records; another seed, other contents under the same keys', () => {
    for (const ep of ENDPOINT_NAMES) {
      const a = take(ep, 300, { seed: 42 })
      expect(JSON.stringify(take(ep, 300, { seed: 42 })), ep).toBe(JSON.stringify(a))
      const b = take(ep, 300, { seed: 43 })
      const differing = a.filter((r, k) => JSON.stringify(r) !== JSON.stringify(b[k])).length
      expect(differing, ep).toBeGreaterThan(150)
      expect(keys(ep, b), ep).toEqual(keys(ep, a))
    }
  })

  it('yields the same records for a startIndex range as for that slice of one long run', () => {
    for (const ep of ENDPOINT_NAMES) {
      const whole = take(ep, 400, { seed: 7 })
      expect(JSON.stringify(take(ep, 150, { seed: 7, startIndex: 250 })), ep).toBe(JSON.stringify(whole.slice(250)))
    }
  })

  it('rejects bad counts and indexes', () => {
    expect(() => take('510k', -1)).toThrow(RangeError)
    expect(() => take('510k', 1, { startIndex: 1.5 })).toThrow(RangeError)
    expect(take('510k', 0)).toEqual([])
  })

  it('gives unique natural keys, also across separately generated ranges', () => {
    const formats: Record<EndpointName, RegExp> = {
      '510k': /^K\d{6,7}$/,
      classification: /^[A-Z]{3,5}$/, // 5 letters from index 474,552 on
      event: /^[1-9]\d*$/,
      recall: /^Z-\d{4,5}-\d{4}$/,
      pma: /^P\d{6}\/(S\d{3})?$/,
      udi: /^([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|\d{14})$/,
      enforcement: /^Z-\d{4,5}-\d{4}$/
    }
    for (const ep of ENDPOINT_NAMES) {
      // Three ranges, the last one past the 6-digit K-number and 10,000-per-year Z-number spaces.
      const all = [...keys(ep, take(ep, 20_000)), ...keys(ep, take(ep, 5_000, { startIndex: 20_000 })), ...keys(ep, take(ep, 2_000, { startIndex: 999_000 }))]
      expect(new Set(all).size, ep).toBe(all.length)
      expect(all.filter((key) => !formats[ep].test(key)), ep).toEqual([])
    }
    expect(take('510k', 1, { startIndex: 999_999 })[0].k_number).toMatch(/^K\d{6}$/)
    expect(take('510k', 1, { startIndex: 1_000_000 })[0].k_number).toMatch(/^K\d{7}$/)
  })

  it('uses every 3-letter product code once, then longer codes past the 17,576 of them', () => {
    const codes = keys('classification', take('classification', 17_576 + 100))
    expect(new Set(codes).size).toBe(codes.length)
    expect(codes.slice(0, 17_576).every((c) => /^[A-Z]{3}$/.test(c))).toBe(true)
    expect(codes.slice(17_576).every((c) => /^[A-Z]{4}$/.test(c))).toBe(true)
  })

  it("writes each endpoint's dates in its own format, within its span and no later than LAST_DATE", () => {
    for (const ep of ENDPOINT_NAMES) {
      const { format, fields } = DATE_FIELDS[ep]
      const bad: string[] = []
      const years = new Set<number>()
      for (const rec of take(ep, 5_000, { seed: 3 })) {
        for (const field of fields) {
          for (const value of valuesAt(rec, field)) {
            if (value === undefined || value === '') continue // optional dates
            const date = parseDate(String(value), format)
            const latest = field.includes('expiration') ? '2036-12-31' : LAST_DATE // devices expire in the future
            if (date === null || date < '1976-01-01' || date > latest) bad.push(`${field} = ${String(value)}`)
          }
        }
        if (fields.length === 0) continue
        // The main date lies in the endpoint's span (recall/enforcement: fiscal years start in October).
        const year = Number(String(rec[fields[0]]).slice(0, 4))
        if (year < DATE_SPANS[ep][0] - 1 || year > DATE_SPANS[ep][1]) bad.push(`${fields[0]} = ${String(rec[fields[0]])} outside ${DATE_SPANS[ep].join('-')}`)
        years.add(year)
      }
      expect(bad, ep).toEqual([])
      if (fields.length > 0) expect(years.size, `${ep}: years spread`).toBeGreaterThanOrEqual((DATE_SPANS[ep][1] - DATE_SPANS[ep][0]) * 0.8)
    }
    for (const rec of take('510k', 2_000)) expect(rec.decision_date >= rec.date_received).toBe(true)
  })

  it('writes ~1% of MAUDE device_date_of_manufacturer values as MM/DD/YYYY, the rest YYYYMMDD or blank', () => {
    const values = take('event', 20_000, { seed: 5 }).map((r) => r.device_date_of_manufacturer as string)
    const us = values.filter((v) => parseDate(v, US) !== null).length
    expect(values.every((v) => v === '' || parseDate(v, COMPACT) !== null || parseDate(v, US) !== null)).toBe(true)
    expect(us / values.length).toBeGreaterThan(0.005)
    expect(us / values.length).toBeLessThan(0.02)
  })

  it('leaves ~10% of UDI records without public_device_record_key, keyed by their unique primary DI', () => {
    const recs = take('udi', 20_000)
    const keyless = recs.filter((r) => !('public_device_record_key' in r))
    expect(keyless.length / recs.length).toBeGreaterThan(0.08)
    expect(keyless.length / recs.length).toBeLessThan(0.12)
    const checkDigit = (di: string): number => (10 - ([...di.slice(0, 13)].reduce((s, c, k) => s + Number(c) * (k % 2 === 0 ? 3 : 1), 0) % 10)) % 10
    const primaries = recs.map((r) => r.identifiers[0] as Rec)
    const bad = primaries.filter((p) => p.type !== 'Primary' || p.issuing_agency !== 'GS1' || !/^\d{14}$/.test(p.id) || Number(p.id[13]) !== checkDigit(p.id))
    expect(bad).toEqual([])
    expect(new Set(primaries.map((p) => p.id)).size).toBe(recs.length)
    expect(keyless.filter((r) => recordKey('udi', r) !== r.identifiers[0].id)).toEqual([])
  })

  it('gives each PMA an original and several supplements sharing its number, firm and device', () => {
    const groups = new Map<string, Rec[]>()
    for (const r of take('pma', 1_280, { seed: 9 })) groups.set(r.pma_number, [...(groups.get(r.pma_number) ?? []), r])
    expect(groups.size).toBe(100) // 10 blocks of 128 records, 10 PMAs each
    const sizes = [...groups.values()].map((g) => g.length)
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(30)
    expect(sizes.filter((n) => n >= 3).length).toBeGreaterThan(50)
    for (const group of groups.values()) {
      expect(group.map((r) => r.supplement_number)).toEqual(group.map((_, k) => (k === 0 ? '' : `S${String(k).padStart(3, '0')}`)))
      for (const field of ['applicant', 'trade_name', 'product_code']) expect(new Set(group.map((r) => r[field])).size).toBe(1)
      const received = group.map((r) => r.date_received as string)
      expect(received).toEqual([...received].sort())
    }
  })

  it('fills the fields users filter on', () => {
    const classes = new Set(take('classification', 20_000).map((r) => r.device_class))
    expect([...classes].sort()).toEqual(['1', '2', '3', 'N', 'U', 'f'])
    const nonEmpty: Record<EndpointName, string[]> = {
      '510k': ['k_number', 'applicant', 'device_name', 'product_code', 'decision_code', 'openfda.device_name', 'openfda.device_class'],
      classification: ['product_code', 'device_name', 'device_class', 'review_panel'],
      event: ['event_type', 'report_number', 'device.0.brand_name', 'device.0.generic_name', 'device.0.manufacturer_d_name', 'device.0.device_report_product_code', 'device.0.openfda.device_name', 'mdr_text.0.text'],
      recall: ['recalling_firm', 'product_code', 'product_description', 'reason_for_recall', 'recall_status', 'openfda.device_name'],
      pma: ['applicant', 'trade_name', 'generic_name', 'product_code', 'decision_code', 'openfda.device_class'],
      udi: ['brand_name', 'company_name', 'device_description', 'product_codes.0.code', 'product_codes.0.openfda.device_class', 'gmdn_terms.0.definition'],
      enforcement: ['recalling_firm', 'classification', 'status', 'product_description', 'reason_for_recall', 'voluntary_mandated', 'event_id']
    }
    for (const ep of ENDPOINT_NAMES) {
      for (const rec of take(ep, 500)) {
        for (const path of nonEmpty[ep]) {
          const value = path.split('.').reduce<any>((v, k) => v?.[k], rec)
          expect(typeof value === 'string' && value.length > 0, `${ep} ${path}`).toBe(true)
        }
      }
    }
    for (const rec of take('event', 500)) {
      expect(rec.patient.length).toBeGreaterThan(0)
      expect(rec.mdr_text.map((t: Rec) => t.text as string).join(' ').length).toBeGreaterThan(200)
    }
    for (const rec of take('enforcement', 500)) {
      expect(rec).toMatchObject({ product_type: 'Devices', openfda: {} })
      expect(['Class I', 'Class II', 'Class III']).toContain(rec.classification)
      expect(['Ongoing', 'Completed', 'Terminated']).toContain(rec.status)
    }
  })

  it('draws product codes from the classification universe, with its harmonised openfda block', () => {
    const byCode = new Map(take('classification', 6_000).map((r) => [r.product_code as string, r]))
    for (const rec of take('510k', 5_000)) {
      const cls = byCode.get(rec.product_code)
      expect(cls, rec.product_code).toBeDefined()
      expect(rec.openfda.device_name).toBe(cls!.device_name)
      expect(rec.openfda.device_class).toBe(cls!.device_class)
    }
  })

  it('repeats firm and device-name words with a skew', () => {
    const recs = take('510k', 20_000)
    const firms = new Map<string, number>()
    for (const r of recs) firms.set(r.applicant, (firms.get(r.applicant) ?? 0) + 1)
    const top = Math.max(...firms.values()) / recs.length
    const nameWords = new Set(recs.flatMap((r) => (r.device_name as string).split(' ')))
    console.log(`510k x ${recs.length}: ${firms.size} firms (top ${(top * 100).toFixed(1)}%), ${nameWords.size} distinct device-name words`)
    expect(firms.size).toBeGreaterThan(200)
    expect(firms.size).toBeLessThanOrEqual(400)
    expect(top).toBeGreaterThan(0.01)
    expect(top).toBeLessThan(0.1)
    expect(nameWords.size).toBeGreaterThan(1_500)
  })

  it('makes records about as large as the real samples (within 3x)', () => {
    const rows: string[] = []
    for (const ep of ENDPOINT_NAMES) {
      const real = samples(ep).map((r) => JSON.stringify(r).length)
      const realAvg = real.reduce((a, b) => a + b, 0) / real.length
      const recs = take(ep, 2_000, { seed: 11 })
      const avg = recs.reduce((a, r) => a + JSON.stringify(r).length, 0) / recs.length
      rows.push(`${ep.padEnd(14)} generated ${Math.round(avg).toString().padStart(5)} B   samples ${Math.round(realAvg).toString().padStart(5)} B (n=${real.length})`)
      expect(avg / realAvg, ep).toBeGreaterThan(1 / 3)
      expect(avg / realAvg, ep).toBeLessThan(3)
    }
    console.log(`average JSON size per record:\n${rows.join('\n')}`)
  })

  it('streams 200k MAUDE event records', () => {
    for (const ep of ['event', '510k'] as const) {
      const started = performance.now()
      let count = 0
      for (const rec of generateRecords(ep, 200_000, { seed: 1 })) if (rec) count++
      const seconds = (performance.now() - started) / 1000
      console.log(`${ep}: ${count} records in ${seconds.toFixed(2)} s (${Math.round(count / seconds)} records/s)`) // informative only
      expect(count).toBe(200_000)
    }
  })
})
