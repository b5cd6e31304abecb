import type { BenchComparison, BenchLatency, BenchRun } from '../../../../shared/schemas/bench'

/** Pure shaping of stored runs into the series the charts draw (kept apart from React to stay testable). */

export const ratioText = (r: number): string => (r >= 10 ? `×${Math.round(r).toLocaleString('en-US')}` : `×${r.toFixed(2)}`)
export const sizeText = (n: number): string => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n))

const comparisons = (run: BenchRun): BenchComparison[] => run.results.flatMap((r) => r.comparisons)
const latencies = (run: BenchRun): BenchLatency[] => run.results.flatMap((r) => r.latencies)

/** One bar per comparison at the largest size it was measured at (verified answers only). */
export function ratioBars(run: BenchRun): { name: string; ratio: number; label: string; size: string }[] {
  const all = comparisons(run).filter((c) => c.verified && c.ratio > 0)
  const largest = new Map<string, number>()
  for (const c of all) largest.set(c.group, Math.max(largest.get(c.group) ?? 0, c.size ?? 0))
  return all
    .filter((c) => (c.size ?? 0) === largest.get(c.group))
    .map((c) => ({ name: c.label, ratio: c.ratio, label: ratioText(c.ratio), size: c.size === null ? '' : sizeText(c.size) }))
}

/** p50/p95/p99 of the queries at the largest size, and of the concurrency loads at the most clients. */
export function percentileBars(run: BenchRun): { name: string; p50: number; p95: number; p99: number }[] {
  const ls = latencies(run)
  const largestSize = Math.max(0, ...ls.filter((l) => l.clients === 1).map((l) => l.size ?? 0))
  const mostClients = Math.max(0, ...ls.map((l) => l.clients))
  return ls
    .filter((l) => (l.clients === 1 && (l.size ?? 0) === largestSize) || (l.clients > 1 && l.clients === mostClients))
    .map((l) => ({ name: l.clients > 1 ? `${l.label} (${l.client}, ${l.clients} clients)` : l.label, p50: l.p50, p95: l.p95, p99: l.p99 }))
}

/** For each query kind: console median and cache-scan time by mirror size. Rows keyed by size; columns `<group>` and `<group> cache`. */
export function scalingSeries(run: BenchRun): { rows: Record<string, number>[]; groups: string[] } {
  const cs = comparisons(run).filter((c) => c.size !== null && c.console.unit === 'ms')
  const groups = [...new Set(cs.map((c) => c.group))]
  const sizes = [...new Set(cs.map((c) => c.size!))].sort((a, b) => a - b)
  const rows = sizes.map((size) => {
    const row: Record<string, number> = { size }
    for (const c of cs.filter((x) => x.size === size)) {
      row[c.group] = c.console.value
      row[`${c.group} cache`] = c.baseline.value
    }
    return row
  })
  return { rows, groups }
}

/** Throughput and p99 by number of clients, one series per load and client. */
export function concurrencySeries(run: BenchRun): { rows: Record<string, number>[]; series: string[] } {
  const ls = latencies(run).filter((l) => l.clients > 1)
  const key = (l: BenchLatency): string => `${l.client}, ${l.group.replace(/^key-lookup-/, '')}`
  const series = [...new Set(ls.map(key))]
  const levels = [...new Set(ls.map((l) => l.clients))].sort((a, b) => a - b)
  const rows = levels.map((clients) => {
    const row: Record<string, number> = { clients }
    for (const l of ls.filter((x) => x.clients === clients)) {
      row[`${key(l)} p99`] = l.p99
      row[`${key(l)} q/s`] = l.qps
    }
    return row
  })
  return { rows, series }
}

export interface HistoryPoint {
  id: string
  when: string
  revision: string
  mode: string
  /** Slowest selective query's speed-up over the cache at the run's largest size. */
  speedup: number | null
  /** Import rate relative to psql \copy. */
  importRatio: number | null
  /** Worst p99 at the most clients (paced load). */
  p99: number | null
}

/** One point per run, oldest first. */
export function historyPoints(runs: BenchRun[]): HistoryPoint[] {
  return [...runs]
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
    .map((run) => {
      // selective queries only: times against the cache (not rates, pauses or counts)
      const cs = comparisons(run).filter((c) => c.verified && c.size !== null && c.console.unit === 'ms' && c.baseline.unit === 'ms' && !/(^|-)count$/.test(c.group))
      const largest = Math.max(0, ...cs.map((c) => c.size ?? 0))
      const at = cs.filter((c) => c.size === largest)
      const imp = comparisons(run).find((c) => c.group === 'import')
      const ls = latencies(run).filter((l) => l.clients > 1 && l.group.endsWith('paced'))
      const most = Math.max(0, ...ls.map((l) => l.clients))
      const p99s = ls.filter((l) => l.clients === most).map((l) => l.p99)
      return {
        id: run.id, when: run.startedAt.slice(0, 16).replace('T', ' '), mode: run.quick ? 'quick' : 'full',
        revision: run.revision.commit ? `${run.revision.commit.slice(0, 10)}${run.revision.dirty ? ' (uncommitted changes)' : ''}` : `version ${run.revision.version}`,
        speedup: at.length ? Math.min(...at.map((c) => c.ratio)) : null,
        importRatio: imp?.verified ? imp.ratio : null,
        p99: p99s.length ? Math.max(...p99s) : null
      }
    })
}
