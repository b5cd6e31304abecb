import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateRecords } from '../../src/main/bench/generate-records'
import { bulkLoad } from '../../src/main/db/bulk-load'
import { ENDPOINT_DEFS, ENDPOINTS, type Endpoint } from '../../src/main/openfda/endpoints'
import { createReaderPool } from '../../src/main/openfda/local-api/reader'
import { startLocalApi, type LocalApiServer } from '../../src/main/openfda/local-api/server'
import { SqlQueryEngine } from '../../src/main/openfda/query/sql-engine'
import { splitSensitive } from '../../src/main/openfda/sensitive'
import { startTestOpenFdaServer, type TestOpenFdaServer } from '../../src/main/openfda/testing/test-openfda-server'
import { testStack } from '../support/test-stack'

// Port block 60100-60199 (stack at 60100+offset, 60120+offset, 60140+offset).
const s = testStack(60100)
const COUNTS: Record<Endpoint, number> = { '510k': 500, classification: 200, event: 600, recall: 300, pma: 300, udi: 300, enforcement: 300 }
type Rec = Record<string, unknown>
const data = {} as Record<Endpoint, Rec[]>
let memory: TestOpenFdaServer
let mirror: LocalApiServer
let pool: ReturnType<typeof createReaderPool>

beforeAll(async () => {
  const job = await s.client.stack.up({ green: false })
  const done = await s.services.jobs.wait(job.id)
  if (done.state !== 'succeeded') throw new Error(`stack up failed: ${done.error}`)
  const actor = { userId: null, username: 'compat-test', client: 'cli' as const }
  for (const e of ENDPOINTS) {
    const recs = [...generateRecords(e, COUNTS[e], { seed: 7 })]
    await bulkLoad(s.services, e, recs, 'test:generated', actor, { jobId: `compat-${e}` })
    // The mirror keeps contact names and phone numbers encrypted and out of `record`: so does the reference.
    data[e] = recs.map((r) => splitSensitive(e, r).open)
  }
  await s.client.auth.setupFirstAdmin({ username: 'alice', printedName: 'Alice Admin', password: 'correct horse battery staple' })
  memory = await startTestOpenFdaServer({ records: data })
  pool = createReaderPool(s.services)
  mirror = await startLocalApi({ engine: new SqlQueryEngine(pool), port: 0 })
}, 240_000)

afterAll(async () => {
  await memory?.close()
  await mirror?.close()
  await pool?.end()
  await s.teardown()
}, 120_000)

async function ask(base: string, path: string): Promise<{ status: number; body: { meta?: { last_updated?: string }; results?: unknown[]; error?: unknown }; link: boolean }> {
  const r = await fetch(base + path)
  const body = (await r.json()) as { meta?: { last_updated?: string }; results?: unknown[] }
  if (body.meta) delete body.meta.last_updated
  return { status: r.status, body, link: r.headers.has('link') }
}

const first = (e: Endpoint, f: (r: Rec) => unknown) => String(data[e].map(f).find((v) => typeof v === 'string' && v !== ''))
const dev = (r: Rec) => ((r.device as Rec[] | undefined) ?? [])[0] ?? {}

/**
 * Queries from openFDA's device API documentation (open.fda.gov/apis/device/…: the query explorer
 * examples and "understanding the API results"), plus the same shapes with values present in the
 * generated data so that most of them have hits.
 */
function queries(): string[] {
  const pc510k = first('510k', (r) => r.product_code)
  const firm = first('510k', (r) => r.applicant).split(/[^A-Za-z0-9]+/)[0]
  const brand = first('event', (r) => dev(r).brand_name)
  const k = first('510k', (r) => r.k_number)
  return [
    // documentation examples, verbatim
    '/device/510k.json?search=advisory_committee:cv&limit=5',
    '/device/510k.json?search=openfda.regulation_number:868.5895&limit=5',
    '/device/510k.json?count=country_code',
    '/device/510k.json?search=device_name:catheter&limit=1',
    '/device/recall.json?search=product_code:FOZ',
    '/device/recall.json?count=product_code',
    '/device/enforcement.json?search=classification:"Class+III"',
    '/device/enforcement.json?count=voluntary_mandated.exact',
    '/device/event.json?search=date_received:[20130101+TO+20141231]&limit=3',
    '/device/event.json?count=date_received',
    '/device/event.json?count=device.generic_name.exact',
    '/device/classification.json?count=medical_specialty_description.exact',
    '/device/classification.json?search=device_class:2&limit=10',
    '/device/pma.json?search=advisory_committee:cv&limit=5',
    '/device/pma.json?search=decision_date:[2010-01-01+TO+2015-12-31]&sort=decision_date:desc&limit=20',
    '/device/udi.json?count=gmdn_terms.name.exact&limit=20',
    // same shapes over values in the data
    `/device/510k.json?search=k_number:${k}`,
    `/device/510k.json?search=product_code:${pc510k}&sort=decision_date:asc&limit=50`,
    `/device/510k.json?search=applicant:${firm}+AND+decision_date:[19900101+TO+20201231]&limit=100&sort=date_received:desc`,
    `/device/510k.json?search=applicant.exact:"${first('510k', (r) => r.applicant)}"&limit=100`,
    `/device/510k.json?search=_exists_:openfda.device_class+AND+NOT+openfda.device_class:2&limit=100`,
    `/device/510k.json?search=device_name:"${first('510k', (r) => r.device_name).split(' ').slice(0, 2).join('+')}"&limit=10`,
    '/device/510k.json?count=openfda.device_class',
    '/device/510k.json?count=applicant&limit=25',
    '/device/510k.json?count=applicant&limit=0',
    '/device/510k.json?search=product_code:zzzz&count=applicant',
    '/device/510k.json?search=applicant:a*&limit=0',
    '/device/510k.json?count=decision_date',
    '/device/510k.json?sort=applicant:asc&limit=30&skip=10',
    `/device/event.json?search=device.brand_name:"${brand}"&limit=20`,
    `/device/event.json?search=event_type:death+OR+event_type:injury&sort=date_received:asc&limit=40`,
    '/device/event.json?search=_exists_:date_of_event&count=event_type.exact',
    '/device/event.json?search=device.generic_name:pump*&limit=25',
    '/device/event.json?search=date_of_event:[2005-01-01+TO+*]&sort=date_of_event:desc&limit=30',
    '/device/event.json?count=device.openfda.device_class',
    '/device/event.json?count=product_problems',
    '/device/recall.json?search=recall_status:terminated&sort=event_date_initiated:desc&limit=15',
    '/device/recall.json?count=root_cause_description.exact&limit=10',
    `/device/recall.json?search=k_numbers:${first('recall', (r) => (r.k_numbers as string[])[0])}`,
    '/device/enforcement.json?search=report_date:[20150101+TO+20201231]&count=classification.exact',
    '/device/enforcement.json?search=status:terminated+AND+-voluntary_mandated:mandated&limit=50&sort=report_date:asc',
    '/device/classification.json?search=medical_specialty:(or+OR+cv)&sort=product_code:desc&limit=40',
    '/device/classification.json?search=openfda.k_number:K8*&limit=10',
    '/device/pma.json?search=supplement_number.exact:""&limit=5',
    '/device/pma.json?count=decision_code.exact',
    `/device/udi.json?search=company_name:"${first('udi', (r) => r.company_name)}"&limit=50&sort=publish_date:desc`,
    '/device/udi.json?search=identifiers.type:primary+AND+is_rx:true&limit=20',
    '/device/udi.json?search=product_codes.openfda.device_class:3&count=mri_safety.exact',
    `/device/udi.json?search=${first('udi', (r) => r.brand_name).split(' ')[0]}&limit=10`,
    // errors, which must agree too
    '/device/510k.json?skip=25001',
    '/device/510k.json?limit=1001',
    '/device/510k.json?search=device_name:(catheter',
    '/device/510k.json?search=no_such_field:x',
    '/device/510k.json?search=decision_date:[2004-13-01+TO+2005-01-01]',
    '/device/510k.json?sort=applicant:sideways'
  ]
}

describe('the mirror\'s local API answers like the openFDA-compatible test server', () => {
  it('returns the same envelopes (totals, records, order) for documented openFDA queries', async () => {
    const list = queries()
    let withHits = 0
    for (const q of list) {
      const [a, b] = await Promise.all([ask(memory.url, q), ask(mirror.url, q)])
      expect({ q, status: b.status }).toEqual({ q, status: a.status })
      expect({ q, body: b.body }).toEqual({ q, body: a.body })
      expect({ q, link: b.link }).toEqual({ q, link: a.link })
      if (a.status === 200) withHits++
    }
    expect(withHits).toBeGreaterThan(list.length * 0.7)
  }, 120_000)

  it('pages past skip with search_after the same way (sorted and unsorted)', async () => {
    for (const start of ['/device/event.json?limit=100&sort=date_received:desc', '/device/510k.json?limit=150', '/device/pma.json?limit=70&sort=applicant:asc']) {
      const walk = async (base: string) => {
        const keys: string[] = []
        let next: string | null = base + start
        while (next) {
          const r: Response = await fetch(next)
          expect(r.status).toBe(200)
          const body = (await r.json()) as { results: Rec[] }
          keys.push(...body.results.map((x) => JSON.stringify([x.mdr_report_key, x.k_number, x.pma_number, x.supplement_number])))
          const link = r.headers.get('link')
          next = link ? link.slice(1, link.indexOf('>')) : null
          if (body.results.length === 0) break
        }
        return keys
      }
      const [a, b] = await Promise.all([walk(memory.url), walk(mirror.url)])
      expect(b).toEqual(a)
      expect(new Set(a).size).toBe(a.length)
    }
  })
})

describe('randomised differential check', () => {
  // Seeded: fields from openFDA's definitions, values taken from the data, every kind of clause.
  it('agrees on 120 generated queries over every endpoint', async () => {
    const { FIELD_CATALOG } = await import('../../src/main/openfda/query/field-catalog')
    const { leavesAt, leafText } = await import('../../src/main/openfda/query/text')
    let seed = Number(process.env.COMPAT_SEED ?? 12345)
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n)
    const pick = <T,>(a: T[]): T => a[rnd(a.length)]
    const valuesOf = (e: Endpoint, f: string) =>
      data[e].flatMap((r) => leavesAt(r, f.split('.')).map(leafText)).filter((v): v is string => v !== null && v.trim() !== '')
    const clause = (e: Endpoint): string => {
      const fields = Object.keys(FIELD_CATALOG[e]).filter((f) => valuesOf(e, f).length > 0)
      const f = pick(fields)
      const v = pick(valuesOf(e, f))
      const words = v.split(/[^A-Za-z0-9]+/).filter(Boolean)
      if (FIELD_CATALOG[e][f] === 'date') {
        const d = v.replace(/-/g, '').slice(0, 8)
        return pick([`${f}:${d}`, `${f}:[${d}+TO+*]`, `${f}:{*+TO+${d}]`, `_exists_:${f}`])
      }
      switch (rnd(6)) {
        case 0: return `${f}:${words[0] ?? 'x'}`
        case 1: return `${f}:"${words.slice(0, 2).join('+')}"`
        case 2: return `${f}.exact:"${encodeURIComponent(v)}"`
        case 3: return `${f}:${(words[0] ?? 'x').slice(0, 2)}*`
        case 4: return `_exists_:${f}`
        default: return `NOT+${f}:${words[0] ?? 'x'}`
      }
    }
    let agreed = 0
    for (let i = 0; i < 120; i++) {
      const e = pick([...ENDPOINTS])
      const search = rnd(3) === 0 ? `${clause(e)}+AND+${clause(e)}` : rnd(2) ? `${clause(e)}+${clause(e)}` : clause(e)
      const fields = Object.keys(FIELD_CATALOG[e])
      const extra = pick([
        `&limit=${1 + rnd(50)}`,
        `&sort=${pick(fields)}:${pick(['asc', 'desc'])}&limit=${1 + rnd(30)}&skip=${rnd(5)}`,
        `&count=${pick(fields)}${pick(['', '.exact'])}&limit=${1 + rnd(40)}`
      ])
      const q = `${ENDPOINT_DEFS[e].apiPath}?search=${search}${extra}`
      const [a, b] = await Promise.all([ask(memory.url, q), ask(mirror.url, q)])
      expect({ q, status: b.status, body: b.body }).toEqual({ q, status: a.status, body: a.body })
      if (a.status === 200) agreed++
    }
    expect(agreed).toBeGreaterThan(40)
  }, 300_000)
})

describe('the console API (openfdaApi)', () => {
  it('answers openFDA queries against the mirror with the same envelope, and openFDA errors as values', async () => {
    const r = await s.client.openfdaApi.query({ endpoint: 'recall', search: 'recall_status:terminated', sort: 'event_date_initiated:desc', limit: 15 })
    const viaHttp = await ask(memory.url, '/device/recall.json?search=recall_status:terminated&sort=event_date_initiated:desc&limit=15')
    expect(r.ok).toBe(true)
    if (r.ok) {
      delete r.envelope.meta.last_updated
      expect(r.envelope).toEqual(viaHttp.body)
    }
    expect(await s.client.openfdaApi.query({ endpoint: '510k', skip: 30000 })).toEqual({ ok: false, status: 400, error: { code: 'BAD_REQUEST', message: 'Skip value must 25000 or less.' } })
    const info = await s.client.openfdaApi.info()
    expect(info).toMatchObject({ port: s.services.settings.ports.api, requireKey: false, autoStart: true })
  })
})

describe('cached counts', () => {
  it('are answered again from the cache, and change as soon as the table does', async () => {
    const q = '/device/classification.json?count=device_class.exact'
    const first = await ask(mirror.url, q)
    expect(await ask(mirror.url, q)).toEqual(first)
    // Change the data: a bulk load of more classification records (one statement bumps the version).
    const more = [...generateRecords('classification', 50, { seed: 7, startIndex: COUNTS.classification })]
    await bulkLoad(s.services, 'classification', more, 'test:more', { userId: null, username: 'compat-test', client: 'cli' }, { jobId: 'compat-more' })
    data.classification = [...data.classification, ...more]
    memory.setRecords('classification', data.classification)
    const after = await ask(mirror.url, q)
    expect(after).not.toEqual(first)
    expect(after).toEqual(await ask(memory.url, q))
    const total = (b: typeof first) => (b.body.results as { count: number }[]).reduce((n, r) => n + r.count, 0)
    expect(total(after)).toBe(total(first) + 50)
  })
})

describe('hostile input', () => {
  const snapshot = async () =>
    (await s.services.db.admin('blue', (c) => c.query<{ t: string; n: string; sum: string }>(
      ENDPOINTS.map((e) => `SELECT '${e}' AS t, count(*)::text AS n, coalesce(md5(string_agg(checksum, ',' ORDER BY checksum)), '') AS sum FROM openfda.device_${e}`).join(' UNION ALL ')
    ))).rows

  it('is rejected or answered safely; nothing in the database changes', async () => {
    const before = await snapshot()
    const nasty = [
      "'; DROP TABLE openfda.device_510k; --",
      "k_number:'K1' OR '1'='1'",
      'k_number:"\\"; DELETE FROM openfda.device_510k; --"',
      'device_name:"x\\\\y\\"z"',
      'applicant.exact:"$$; SELECT pg_sleep(10); $$"',
      'device_name:) OR (1=1',
      'device_name:(a) UNION SELECT * FROM pg_shadow --',
      'openfda.device_class") || (@ == "1',
      'applicant.exact:"\\" ) ? (@ != \\""',
      'decision_date:[1 TO 2]; SELECT 1',
      '_exists_:record',
      'device_name:Ünïcödé😀 AND applicant:名前',
      'device_name:' + 'a'.repeat(3990),
      '\u0000k_number:x',
      'k_number:*'.repeat(100)
    ]
    for (const search of nasty) {
      for (const param of ['search', 'count', 'sort']) {
        const r = await fetch(`${mirror.url}/device/510k.json?${new URLSearchParams({ [param]: search, limit: '5' })}`)
        expect({ param, search, status: r.status }).toEqual({ param, search, status: expect.toSatisfy((x: number) => [200, 400, 404].includes(x)) })
        const body = (await r.json()) as { error?: { code: string } }
        if (r.status !== 200) expect(['BAD_REQUEST', 'NOT_FOUND']).toContain(body.error?.code)
      }
    }
    const long = await fetch(`${mirror.url}/device/510k.json?search=${'x'.repeat(9000)}`)
    expect(long.status).toBe(414)
    expect((await fetch(`${mirror.url}/device/510k.json?search=${'x'.repeat(5000)}`)).status).toBe(400)
    expect(await snapshot()).toEqual(before)
  }, 120_000)

  it('reads as fda_reader in a read-only transaction: the role cannot write even if SQL were injected', async () => {
    const c = await pool.connect()
    try {
      await expect(c.query("UPDATE openfda.device_510k SET source = 'x'")).rejects.toThrow(/permission denied/)
      const who = await c.query<{ u: string }>('SELECT current_user AS u')
      expect(who.rows[0].u).toBe('fda_reader')
    } finally {
      c.release()
    }
  })

  it('refuses writes and foreign Host headers', async () => {
    expect((await fetch(`${mirror.url}/device/510k.json`, { method: 'DELETE' })).status).toBe(405)
    expect((await fetch(`${mirror.url}/device/510k.json`, { method: 'POST', body: '{}' })).status).toBe(405)
  })
})
