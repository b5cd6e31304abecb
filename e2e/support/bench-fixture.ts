import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BenchComparison, BenchLatency, BenchRun } from '../../src/shared/schemas/bench'

/**
 * Stored runs for the Benchmarks screen to draw (the suite itself takes minutes; the e2e checks
 * the screen draws what is stored). Values are invented but shaped exactly like the suite's output.
 */
const GROUPS: [string, string, number, number][] = [
  // group, label, console ms, cache ms at 10k (×10 at 100k for the cache, ×1.2 for the console)
  ['key-lookup', 'key lookup 510(k) by k_number', 0.4, 400],
  ['containment', 'JSONB containment 510(k) {product_code}', 0.8, 420],
  ['date-range', 'date range MAUDE events received in one month', 0.5, 380],
  ['name-search', "name search 510(k) device_name ILIKE '%…%' (pg_trgm)", 1.2, 410],
  ['count', 'count 510(k) by product_code (top 100)', 2.0, 415]
]

function queryComparisons(scale: number): BenchComparison[] {
  return [10_000, 100_000].flatMap((size) =>
    GROUPS.map(([group, label, c, b]) => {
      const consoleMs = size === 10_000 ? c : c * 1.2
      const cacheMs = (size === 10_000 ? b : b * 10) * scale
      return {
        label, group, size, console: { name: 'SQL through PgBouncer (median)', value: consoleMs, unit: 'ms' },
        baseline: { name: 'scan of the JSON cache', value: cacheMs, unit: 'ms' }, ratio: cacheMs / consoleMs, verified: true, answer: '1 record'
      }
    })
  )
}

function concurrency(p99At200: number): BenchLatency[] {
  return [20, 50, 100, 200].flatMap((clients) =>
    (['pgbench', 'node-postgres'] as const).map((client) => ({
      label: 'key lookup, 10 q/s per client', group: 'key-lookup-paced', client, size: 100_000, clients, queries: clients * 30, errors: 0,
      qps: clients * 10, p50: 0.5 + clients / 400, p95: 2 + clients / 50, p99: clients === 200 ? p99At200 : 3 + clients / 40, max: 40
    }))
  )
}

export function benchRun(o: { id: string; startedAt: string; commit: string; scale: number; p99At200: number }): BenchRun {
  return {
    id: o.id, startedAt: o.startedAt, endedAt: new Date(Date.parse(o.startedAt) + 180_000).toISOString(), quick: true, sizes: [10_000, 100_000], only: null,
    machine: { cpu: 'E2E fixture CPU', cores: 2, memoryGiB: 24, os: 'Debian GNU/Linux 12 (bookworm)', node: 'v20.19.0', postgres: '15.18', pgbouncer: '1.18.0' },
    revision: { commit: o.commit, branch: 'e2e', dirty: false, version: '0.1.0' },
    results: [
      {
        name: 'import', title: 'Import: console pipeline vs psql \\copy', status: 'ok', reason: null, seconds: 40,
        comparisons: [{ label: 'import a JSON cache', group: 'import', size: 20_000, console: { name: 'console pipeline', value: 2666, unit: 'records/s' }, baseline: { name: 'psql \\copy', value: 6839, unit: 'rows/s' }, ratio: 0.39, verified: true, answer: '20000 records' }],
        latencies: [], targets: [{ label: 'import rate relative to psql \\copy', value: 0.39, unit: '×', target: '≥ 0.8', met: false, note: null }], notes: [], details: {}
      },
      {
        name: 'queries', title: 'Queries', status: 'ok', reason: null, seconds: 60, comparisons: queryComparisons(o.scale),
        latencies: GROUPS.map(([group, label, c]) => ({ label, group, client: 'node-postgres', size: 100_000, clients: 1, queries: 20, errors: 0, qps: 1000 / c, p50: c * 1.2, p95: c * 2, p99: c * 3, max: c * 4 })),
        targets: [{ label: 'selective queries vs scanning the cache', value: 2800, unit: '×', target: '≥ 1000× at 1,000,000 records', met: null, note: 'measured at 100,000 records' }], notes: [], details: {}
      },
      {
        name: 'concurrency', title: 'Concurrency', status: 'ok', reason: null, seconds: 50, comparisons: [], latencies: concurrency(o.p99At200),
        targets: [{ label: 'p99 key lookup, 200 clients at 10 q/s each (pgbench)', value: o.p99At200, unit: 'ms', target: '< 20 ms', met: o.p99At200 < 20, note: null }], notes: [], details: {}
      },
      { name: 'switch', title: 'Blue-green switch', status: 'unavailable', reason: 'not available in this build (comes with blue-green promote/rollback, issue 6)', seconds: 0, comparisons: [], latencies: [], targets: [], notes: [], details: {} }
    ]
  }
}

/** Writes runs where the console keeps them: `<home>/bench/run-<id>.json`. */
export function storeRuns(home: string, runs: BenchRun[]): void {
  mkdirSync(join(home, 'bench'), { recursive: true })
  for (const r of runs) writeFileSync(join(home, 'bench', `run-${r.id}.json`), JSON.stringify(r, null, 2))
}
