import { Agent } from 'node:http'
import type { BenchComparison, BenchLatency, BenchTarget } from '../../../shared/schemas/bench'
import { startMirrorApi } from '../../openfda/local-api/service'
import { httpGetBody } from '../api-bench'
import { measure, percentiles } from '../latency'
import { scanCache } from '../suite/cache-scan'
import type { BenchModule, ModuleOutput, SuiteContext } from '../suite/types'
import { QUERY_KINDS, type QueryKind } from './queries'

type Rec = Record<string, unknown>

/**
 * A question asked of the local openFDA-compatible API over HTTP, and the query kind of the
 * `queries` module that asks the same of the JSON cache (its parameter and its cache scanner).
 */
export interface ApiQuery {
  group: string
  label: string
  kind: QueryKind
  path: (param: string) => string
  /** The API's answer in the scanner's form (sorted keys, or `term:count` in the API's order). */
  fromBody: (body: { results?: Rec[] }) => string[]
}

const kind = (group: string): QueryKind => QUERY_KINDS.find((q) => q.group === group)!

export const API_QUERIES: ApiQuery[] = [
  {
    group: 'api-key-lookup', label: 'local API key lookup 510(k) search=k_number:K', kind: kind('key-lookup'),
    path: (k) => `/device/510k.json?search=k_number:${encodeURIComponent(k)}`,
    fromBody: (b) => (b.results ?? []).map((r) => String(r.k_number)).sort()
  },
  {
    group: 'api-count', label: 'local API count=product_code.exact (top 100) over every 510(k)', kind: kind('count'),
    path: () => '/device/510k.json?count=product_code.exact&limit=100',
    fromBody: (b) => (b.results ?? []).map((r) => `${String(r.term)}:${String(r.count)}`)
  }
]

/** A measured API question and its cache scan, as the suite's comparison and latency rows (pure: unit-tested). */
export function apiRows(o: {
  q: Pick<ApiQuery, 'group' | 'label'>
  size: number
  latenciesMs: number[]
  errors: number
  seconds: number
  scan: { seconds: number; files: number }
  apiAnswer: string[]
  cacheAnswer: string[]
}): { comparison: BenchComparison; latency: BenchLatency } {
  const p = percentiles(o.latenciesMs)
  const verified = o.apiAnswer.length === o.cacheAnswer.length && o.apiAnswer.every((x, i) => x === o.cacheAnswer[i])
  const scanMs = o.scan.seconds * 1000
  const answer = o.q.group === 'api-count' ? `${o.apiAnswer.length} terms` : `${o.apiAnswer.length} ${o.apiAnswer.length === 1 ? 'record' : 'records'}`
  return {
    comparison: {
      label: o.q.label, group: o.q.group, size: o.size,
      console: { name: 'local API over HTTP, uncached (median)', value: p.p50, unit: 'ms' },
      baseline: { name: `scan of the JSON cache (${o.scan.files} files)`, value: scanMs, unit: 'ms' },
      ratio: verified ? scanMs / p.p50 : 0, verified, answer
    },
    latency: {
      label: o.q.label, group: o.q.group, client: 'http (keep-alive)', size: o.size, clients: 1, queries: o.latenciesMs.length + o.errors, errors: o.errors,
      qps: o.latenciesMs.length / o.seconds, p50: p.p50, p95: p.p95, p99: p.p99, max: p.max
    }
  }
}

/** The key lookup's speed-up over the cache (the selective-query target), and the same-answer check. */
export function apiTargets(comparisons: BenchComparison[], largest: number): BenchTarget[] {
  const key = comparisons.find((c) => c.group === 'api-key-lookup')
  const targets: BenchTarget[] = [{
    label: 'local API key lookup vs scanning the cache', value: key?.verified ? key.ratio : null, unit: '×', target: '≥ 1000× at 1,000,000 records',
    met: largest >= 1_000_000 && key?.verified ? key.ratio >= 1000 : null,
    note: largest >= 1_000_000 ? null : `measured at ${largest.toLocaleString('en-US')} records; the target is for 1,000,000 (run the full suite)`
  }]
  const differ = comparisons.filter((c) => !c.verified)
  if (differ.length) targets.push({ label: 'same answer from the API and the cache', value: null, unit: '', target: 'every question', met: false, note: differ.map((c) => c.label).join('; ') })
  return targets
}

/**
 * The local API (the server `fda-offline api` runs, uncached so each request reaches PostgreSQL)
 * on the suite's mirror, against a scan of the JSON cache for the same answer. The standalone
 * `fda-offline bench api` measures more kinds and concurrency on MAUDE events.
 */
export async function runApi(ctx: SuiteContext): Promise<ModuleOutput> {
  const mirror = await ctx.mirror(ctx.quick ? Math.min(...ctx.sizes) : Math.max(...ctx.sizes))
  const size = mirror.size
  const repeats = ctx.quick ? 30 : 100
  const api = await startMirrorApi(mirror.s, { port: ctx.basePort + 12, requireKey: false, cacheEntries: 0 })
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const comparisons: BenchComparison[] = []
  const latencies: BenchLatency[] = []
  try {
    for (const q of API_QUERIES) {
      ctx.signal.throwIfAborted()
      ctx.progress(`${q.label} at ${size.toLocaleString('en-US')} records`)
      const param = q.kind.param(size)
      const url = api.url + q.path(param)
      const apiAnswer = q.fromBody(JSON.parse(await httpGetBody(url, agent)) as { results?: Rec[] })
      await measure(3, 1, () => httpGetBody(url, agent)) // warm-up
      const m = await measure(repeats, 1, () => httpGetBody(url, agent))
      if (!m.latencies.length) throw new Error(`${q.label}: all ${repeats} requests failed`)
      const scanner = q.kind.scanner(param)
      const scan = await scanCache(mirror.cacheDir, q.kind.endpoint, scanner.visit, ctx.signal)
      const rows = apiRows({ q, size, latenciesMs: m.latencies, errors: m.errors, seconds: m.seconds, scan, apiAnswer, cacheAnswer: scanner.answer() })
      comparisons.push(rows.comparison)
      latencies.push(rows.latency)
      const c = rows.comparison
      ctx.log(`${q.label.padEnd(60)} ${String(size).padStart(8)}  API p50 ${c.console.value.toFixed(2)} ms  p95 ${rows.latency.p95.toFixed(2)} ms  cache scan ${c.baseline.value.toFixed(0)} ms  ×${c.verified ? c.ratio.toFixed(0) : '—'}  ${c.verified ? 'same answer' : 'ANSWERS DIFFER'} (${c.answer})`)
    }
  } finally {
    agent.destroy()
    await api.close()
  }
  const notes = comparisons.filter((c) => !c.verified).map((c) => `${c.label}: the API and the cache answer differently: no ratio reported`)
  return { comparisons, latencies, targets: apiTargets(comparisons, size), notes, details: { records: size, repeats, cache: 'the API\'s answer cache is off: every request reaches PostgreSQL' } }
}

export const apiBench: BenchModule = {
  name: 'api', title: 'Local openFDA API: key lookup and count',
  compares: 'the local openFDA-compatible API over HTTP vs scanning the JSON cache', available: true, run: runApi
}
