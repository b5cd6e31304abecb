import type { BenchComparison, BenchLatency, BenchTarget } from '../../../shared/schemas/bench'
import type { Endpoint } from '../../openfda/endpoints'
import { generateRecords } from '../generate-records'
import { measure, percentiles } from '../latency'
import type { BenchMirror } from '../suite/bench-mirror'
import { countOf } from '../suite/bench-mirror'
import { scanCache } from '../suite/cache-scan'
import type { BenchModule, ModuleOutput, SuiteContext } from '../suite/types'

type Rec = Record<string, unknown>

/**
 * One question asked both ways: SQL through PgBouncer (as the read-only role) and a scan of the JSON
 * cache. Both return an answer as a sorted list of strings, compared before any ratio is reported.
 */
export interface QueryKind {
  group: string
  label: string
  endpoint: Endpoint
  /** Selective queries return a small part of the data (the ≥ 1000× target applies to them). */
  selective: boolean
  /** The parameter, chosen from the generated records present at this size. */
  param: (size: number) => string
  sql: string
  sqlParams: (param: string) => unknown[]
  fromRows: (rows: Rec[]) => string[]
  /** A fresh matcher for one scan: visit every record, then `answer()`. */
  scanner: (param: string) => { visit: (r: Rec) => void; answer: () => string[] }
}

const recordAt = (endpoint: Endpoint, i: number): Rec => generateRecords(endpoint, 1, { seed: 1, startIndex: i }).next().value!
const sorted = (xs: string[]): string[] => [...xs].sort()
const collect = (test: (r: Rec) => boolean, key: (r: Rec) => string) => {
  const out: string[] = []
  return { visit: (r: Rec) => void (test(r) && out.push(key(r))), answer: () => sorted(out) }
}
const kNumber = (r: Rec): string => String(r.k_number)
const mdrKey = (r: Rec): string => String(r.mdr_report_key)

/** The month after a YYYYMM month, as YYYYMM01. */
function nextMonth(yyyymm: string): string {
  const y = Number(yyyymm.slice(0, 4))
  const m = Number(yyyymm.slice(4, 6))
  return m === 12 ? `${y + 1}0101` : `${y}${String(m + 1).padStart(2, '0')}01`
}
const isoOf = (yyyymmdd: string): string => `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`

export const QUERY_KINDS: QueryKind[] = [
  {
    group: 'key-lookup', label: 'key lookup 510(k) by k_number', endpoint: '510k', selective: true,
    param: (size) => kNumber(recordAt('510k', Math.floor(countOf('510k', size) * 0.77))),
    sql: 'SELECT record FROM openfda.device_510k WHERE k_number = $1', sqlParams: (p) => [p],
    fromRows: (rows) => sorted(rows.map((r) => kNumber(r.record as Rec))),
    scanner: (p) => collect((r) => r.k_number === p, kNumber)
  },
  {
    group: 'containment', label: 'JSONB containment 510(k) {product_code}', endpoint: '510k', selective: true,
    param: (size) => String(recordAt('510k', Math.floor(countOf('510k', size) * 0.41)).product_code),
    sql: 'SELECT k_number FROM openfda.device_510k WHERE record @> $1', sqlParams: (p) => [JSON.stringify({ product_code: p })],
    fromRows: (rows) => sorted(rows.map((r) => String(r.k_number))),
    scanner: (p) => collect((r) => r.product_code === p, kNumber)
  },
  {
    group: 'date-range', label: 'date range MAUDE events received in one month', endpoint: 'event', selective: true,
    // the month of an event present at this size: YYYYMM
    param: (size) => String(recordAt('event', Math.floor(countOf('event', size) * 0.53)).date_received).slice(0, 6),
    sql: 'SELECT mdr_report_key FROM openfda.device_event WHERE received_date >= $1 AND received_date < $2',
    sqlParams: (p) => [isoOf(`${p}01`), isoOf(nextMonth(p))],
    fromRows: (rows) => sorted(rows.map((r) => String(r.mdr_report_key))),
    scanner: (p) => {
      const lo = `${p}01`
      const hi = nextMonth(p)
      return collect((r) => typeof r.date_received === 'string' && r.date_received >= lo && r.date_received < hi, mdrKey)
    }
  },
  {
    group: 'name-search', label: "name search 510(k) device_name ILIKE '%…%' (pg_trgm)", endpoint: '510k', selective: true,
    // the first two words of a present device name, lower case: a substring match on the trigram index
    param: (size) => String(recordAt('510k', Math.floor(countOf('510k', size) * 0.29)).device_name).split(' ').slice(0, 2).join(' ').toLowerCase(),
    sql: "SELECT k_number FROM openfda.device_510k WHERE device_name ILIKE '%' || $1 || '%'", sqlParams: (p) => [p.replace(/[\\%_]/g, '\\$&')],
    fromRows: (rows) => sorted(rows.map((r) => String(r.k_number))),
    scanner: (p) => collect((r) => typeof r.device_name === 'string' && r.device_name.toLowerCase().includes(p), kNumber)
  },
  {
    group: 'count', label: 'count 510(k) by product_code (top 100)', endpoint: '510k', selective: false,
    param: () => 'product_code',
    sql: 'SELECT product_code AS term, count(*)::int AS n FROM openfda.device_510k WHERE product_code IS NOT NULL GROUP BY product_code ORDER BY n DESC, product_code COLLATE "C" LIMIT 100',
    sqlParams: () => [],
    fromRows: (rows) => rows.map((r) => `${String(r.term)}:${String(r.n)}`),
    scanner: () => {
      const counts = new Map<string, number>()
      return {
        visit: (r) => {
          if (typeof r.product_code === 'string' && r.product_code) counts.set(r.product_code, (counts.get(r.product_code) ?? 0) + 1)
        },
        answer: () =>
          [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, 100).map(([t, n]) => `${t}:${n}`)
      }
    }
  }
]

/** The indexes (or sequential scans) a query's plan uses, from EXPLAIN (FORMAT JSON). */
export function planAccess(plan: unknown): string[] {
  const out: string[] = []
  const walk = (n: Record<string, unknown>): void => {
    const type = String(n['Node Type'] ?? '')
    if (n['Index Name']) out.push(`${type} on ${String(n['Index Name'])}`)
    else if (type === 'Seq Scan') out.push(`Seq Scan on ${String(n['Relation Name'])}`)
    for (const c of (n.Plans as Record<string, unknown>[] | undefined) ?? []) walk(c)
  }
  const root = (plan as { Plan: Record<string, unknown> }[])[0]?.Plan
  if (root) walk(root)
  return out
}

const same = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i])
const describe = (group: string, answer: string[]): string => (group === 'count' ? `${answer.length} terms` : `${answer.length} ${answer.length === 1 ? 'record' : 'records'}`)

/** Each query kind at each size: the console (median of repeated runs) against one full cache scan. */
export async function runQueries(ctx: SuiteContext): Promise<ModuleOutput> {
  const comparisons: BenchComparison[] = []
  const latencies: BenchLatency[] = []
  const notes: string[] = []
  const growth: Record<string, unknown>[] = []
  const plans: Record<string, string[]> = {}
  const vacuumed: Record<string, { p50: number; plan: string[] }> = {}
  const repeats = ctx.quick ? 20 : 50
  let mirror: BenchMirror | null = null
  for (const size of ctx.sizes) {
    mirror = await ctx.mirror(size)
    growth.push({ size, cacheFiles: mirror.cacheFiles, cacheMiB: Math.round(mirror.cacheBytes / 2 ** 20) })
    for (const q of QUERY_KINDS) {
      ctx.signal.throwIfAborted()
      ctx.progress(`${q.label} at ${size.toLocaleString('en-US')} records`)
      const param = q.param(size)
      const run = () => mirror!.reader.query<Rec>(q.sql, q.sqlParams(param))
      const consoleAnswer = q.fromRows((await run()).rows)
      await measure(3, 1, run) // warm-up
      const m = await measure(repeats, 1, run)
      if (m.errors) throw new Error(`${q.label}: ${m.errors} of ${repeats} queries failed`)
      const p = percentiles(m.latencies)
      const scanner = q.scanner(param)
      const scan = await scanCache(mirror.cacheDir, q.endpoint, scanner.visit, ctx.signal)
      const cacheAnswer = scanner.answer()
      const verified = same(consoleAnswer, cacheAnswer)
      if (!verified) notes.push(`${q.label} at ${size}: the answers differ (console ${describe(q.group, consoleAnswer)}, cache ${describe(q.group, cacheAnswer)}): no ratio reported`)
      const scanMs = scan.seconds * 1000
      comparisons.push({
        label: q.label, group: q.group, size,
        console: { name: 'SQL through PgBouncer (median)', value: p.p50, unit: 'ms' },
        baseline: { name: `scan of the JSON cache (${scan.files} files)`, value: scanMs, unit: 'ms' },
        ratio: verified ? scanMs / p.p50 : 0, verified, answer: describe(q.group, consoleAnswer)
      })
      if (size === Math.max(...ctx.sizes)) {
        // which index answers it (the tuning notes rest on these plans)
        const explain = await mirror.reader.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${q.sql}`, q.sqlParams(param))
        plans[q.group] = planAccess(explain.rows[0]['QUERY PLAN'])
        ctx.log(`  plan: ${plans[q.group].join(', ') || '(no table access)'}`)
      }
      latencies.push({ label: q.label, group: q.group, client: 'node-postgres', size, clients: 1, queries: repeats, errors: m.errors, qps: repeats / m.seconds, p50: p.p50, p95: p.p95, p99: p.p99, max: p.max })
      ctx.log(`${q.label.padEnd(52)} ${String(size).padStart(8)}  console ${p.p50.toFixed(2).padStart(8)} ms  cache scan ${scanMs.toFixed(0).padStart(7)} ms  ×${verified ? (scanMs / p.p50).toFixed(0) : '—'}  ${verified ? 'same answer' : 'ANSWERS DIFFER'} (${describe(q.group, consoleAnswer)})`)
    }
  }
  const largest = Math.max(...ctx.sizes)
  if (mirror) {
    // Right after a load only ANALYZE has run (as after an import): the GIN pending list is not merged and the
    // visibility map is empty, so plans may differ from the steady state. Measure that state too, after VACUUM.
    ctx.progress('the same queries after VACUUM (ANALYZE)')
    await mirror.s.db.admin('blue', (c) => c.query('VACUUM (ANALYZE) openfda.device_510k, openfda.device_event'))
    const m = mirror
    for (const q of QUERY_KINDS) {
      const run = () => m.reader.query<Rec>(q.sql, q.sqlParams(q.param(largest)))
      await measure(3, 1, run)
      const r = await measure(repeats, 1, run)
      const p = percentiles(r.latencies)
      const explain = await m.reader.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${q.sql}`, q.sqlParams(q.param(largest)))
      const access = planAccess(explain.rows[0]['QUERY PLAN'])
      vacuumed[q.group] = { p50: p.p50, plan: access }
      latencies.push({ label: `${q.label} (after VACUUM)`, group: `${q.group}-vacuumed`, client: 'node-postgres', size: largest, clients: 1, queries: repeats, errors: r.errors, qps: repeats / r.seconds, p50: p.p50, p95: p.p95, p99: p.p99, max: p.max })
      ctx.log(`${(q.label + ' (after VACUUM)').padEnd(66)} console ${p.p50.toFixed(2).padStart(8)} ms  plan: ${access.join(', ')}`)
    }
  }
  const selective = comparisons.filter((c) => c.size === largest && QUERY_KINDS.find((q) => q.group === c.group)!.selective)
  const worst = selective.length ? Math.min(...selective.map((c) => c.ratio)) : null
  const targets: BenchTarget[] = [{
    label: 'selective queries vs scanning the cache (slowest of key lookup, containment, date range, name search)',
    value: worst, unit: '×', target: '≥ 1000× at 1,000,000 records',
    met: largest >= 1_000_000 && worst !== null ? worst >= 1000 : null,
    note: largest >= 1_000_000 ? null : `measured at ${largest.toLocaleString('en-US')} records; the target is for 1,000,000 (run the full suite)`
  }]
  for (const [group, access] of Object.entries(plans)) notes.push(`${group} at ${largest.toLocaleString('en-US')} records: ${access.join(', ') || 'no table access'}${vacuumed[group] ? `; after VACUUM: ${vacuumed[group].plan.join(', ')}, ${vacuumed[group].p50.toFixed(2)} ms` : ''}`)
  if (comparisons.some((c) => !c.verified)) targets.push({ label: 'same answer on both sides', value: null, unit: '', target: 'every query', met: false, note: notes.join('; ') })
  return { comparisons, latencies, targets, notes, details: { sizes: ctx.sizes, repeats, growth, plans, vacuumed } }
}

export const queriesBench: BenchModule = {
  name: 'queries', title: 'Queries: key lookup, containment, date range, name search, count',
  compares: 'SQL through PgBouncer vs scanning the JSON cache, at each mirror size', available: true, run: runQueries
}
