import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { contentChecksum } from '../../src/main/db/checksum'
import { parseOpenFdaDate } from '../../src/main/openfda/dates'
import { ENDPOINTS, KeyError, toRow, type Endpoint } from '../../src/main/openfda/endpoints'
import { splitSensitive } from '../../src/main/openfda/sensitive'

const samples = (e: Endpoint) =>
  (JSON.parse(readFileSync(join(__dirname, '../../resources/samples', `device-${e}.sample.json`), 'utf8')) as { results: Record<string, unknown>[] }).results

describe('openFDA dates', () => {
  it.each([
    ['1987-06-29', '1987-06-29'], // 510(k), PMA, recall, UDI
    ['20120426', '2012-04-26'], // events, enforcement
    ['05/01/2011', '2011-05-01'], // MAUDE device_date_of_manufacturer
    ['2019-10-07T00:00:00', '2019-10-07']
  ])('%s → %s', (raw, iso) => expect(parseOpenFdaDate(raw)).toBe(iso))

  it.each(['', '2011-02-30', '20121301', '13/45/2011', 'unknown', '0000-00-00'])('rejects %j', (raw) => expect(parseOpenFdaDate(raw)).toBeNull())

  it('parses every date-like value found in the bundled samples', () => {
    for (const e of ENDPOINTS) {
      const walk = (o: unknown, path: string): void => {
        if (Array.isArray(o)) o.forEach((v) => walk(v, path))
        else if (o && typeof o === 'object') for (const [k, v] of Object.entries(o)) walk(v, k)
        else if (typeof o === 'string' && /date/.test(path) && /\d/.test(o) && !/flag/.test(path))
          expect(parseOpenFdaDate(o), `${e} ${path}=${o}`).not.toBeNull()
      }
      samples(e).forEach((r) => walk(r, ''))
    }
  })
})

describe('endpoint keys and filter columns', () => {
  it('keys every bundled sample record', () => {
    for (const e of ENDPOINTS) for (const r of samples(e)) expect(toRow(e, r).keyText, e).toMatch(/\S/)
  })

  it('PMA supplements of one PMA have distinct keys; the original has supplement ""', () => {
    const [pma] = samples('pma')
    const a = toRow('pma', pma)
    const b = toRow('pma', { ...pma, supplement_number: 'S055' })
    const original = toRow('pma', { ...pma, supplement_number: undefined })
    expect(a.key.pma_number).toBe(b.key.pma_number)
    expect(new Set([a.keyText, b.keyText, original.keyText]).size).toBe(3)
    expect(original.key.supplement_number).toBe('')
  })

  it('UDI: public_device_record_key when present, otherwise the primary DI', () => {
    const [udi] = samples('udi')
    expect(toRow('udi', udi).key).toEqual({ record_key: '00887517567062', key_source: 'primary_di' })
    expect(toRow('udi', { ...udi, public_device_record_key: 'a1b2' }).key).toEqual({ record_key: 'a1b2', key_source: 'public_device_record_key' })
    expect(() => toRow('udi', { ...udi, identifiers: [] })).toThrow(KeyError)
  })

  it('extracts the filter columns and keeps raw dates', () => {
    const [event] = samples('event')
    const row = toRow('event', event)
    expect(row.columns).toMatchObject({ received_date: '2012-04-26', received_date_raw: '20120426', product_code: 'NIQ' })
    const [k] = samples('510k')
    expect(toRow('510k', k).columns).toMatchObject({ decision_date: '1987-06-29', firm: expect.any(String), device_name: expect.any(String) })
  })

  it('rejects a record without its key, naming the field', () => {
    expect(() => toRow('510k', { device_name: 'x' })).toThrow('the record has no k_number')
  })
})

describe('sensitive fields and checksums', () => {
  it('splits contact names and phone numbers off MAUDE and recall records', () => {
    const [event] = samples('event')
    const { open, sensitive } = splitSensitive('event', event)
    expect(Object.keys(sensitive!)).toContain('manufacturer_contact_l_name')
    expect(Object.keys(open).some((k) => k.startsWith('manufacturer_contact_') && /name|phone/.test(k))).toBe(false)
    expect({ ...open, ...sensitive }).toEqual(event)
    expect(splitSensitive('classification', samples('classification')[0]).sensitive).toBeNull()
  })

  it('checksum ignores key order but not content, and depends on the key', () => {
    const a = contentChecksum('k1', { a: 1, b: { c: [1, 2] } })
    expect(contentChecksum('k1', { b: { c: [1, 2] }, a: 1 })).toBe(a)
    expect(contentChecksum('k1', { a: 1, b: { c: [2, 1] } })).not.toBe(a)
    expect(contentChecksum('k2', { a: 1, b: { c: [1, 2] } })).not.toBe(a)
  })
})
