import type { BenchResult, BenchRun } from '../../../shared/schemas/bench'

const NUMBER = /^[×+\-−]?[\d.,]+( [^\s\d]+)?$/ // 12, ×1,234, 0.31 ms, 2,666 records/s

/** Plain-text columns: left-aligned text, right-aligned numbers (a column of numbers, with or without a unit; blanks and — allowed). */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const blank = (c: string): boolean => c === '' || c === '—'
  const numeric = headers.map((_, i) => rows.some((r) => !blank(r[i] ?? '')) && rows.every((r) => blank(r[i] ?? '') || NUMBER.test(r[i] ?? '')))
  const line = (cells: string[]): string =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd()
  return [line(headers), ...rows.map(line)].join('\n')
}

const thousands = (n: number): string => Math.round(n).toLocaleString('en-US')

/** A value with a sensible precision for its size. */
export function formatValue(v: number, unit: string): string {
  const n = Math.abs(v) >= 100 || Number.isInteger(v) ? thousands(v) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2)
  return unit ? `${n} ${unit}` : n
}

/** ×1,234 for speed-ups, ×0.39 below 10. */
export function formatRatio(r: number): string {
  return r >= 10 ? `×${thousands(r)}` : `×${r.toFixed(2)}`
}

function formatSeconds(s: number): string {
  return s >= 90 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${s.toFixed(1)} s`
}

function formatResult(r: BenchResult): string {
  const head = `${r.name} — ${r.title}`
  if (r.status === 'unavailable') return `${head}\n  not available in this build${r.reason ? `: ${r.reason.replace(/^not available in this build \(?|\)$/g, '')}` : ''}`
  const out = [`${head} (${formatSeconds(r.seconds)})${r.status === 'ok' ? '' : `: ${r.status.toUpperCase()}${r.reason ? ` — ${r.reason}` : ''}`}`]
  if (r.comparisons.length)
    out.push(
      indent(table(
        ['COMPARISON', 'RECORDS', 'CONSOLE', 'BASELINE', 'RATIO', 'SAME ANSWER'],
        r.comparisons.map((c) => [
          c.label, c.size === null ? '' : thousands(c.size), formatValue(c.console.value, c.console.unit), formatValue(c.baseline.value, c.baseline.unit),
          c.verified ? formatRatio(c.ratio) : '—', `${c.verified ? 'yes' : 'NO'} (${c.answer})`
        ])
      ))
    )
  if (r.latencies.length)
    out.push(
      indent(table(
        ['LOAD', 'CLIENT', 'CLIENTS', 'RECORDS', 'QUERIES', 'Q/S', 'P50 MS', 'P95 MS', 'P99 MS', 'ERRORS'],
        r.latencies.map((l) => [
          l.label, l.client, String(l.clients), l.size === null ? '' : thousands(l.size), thousands(l.queries), thousands(l.qps),
          l.p50.toFixed(2), l.p95.toFixed(2), l.p99.toFixed(2), String(l.errors)
        ])
      ))
    )
  for (const n of r.notes) out.push(`  note: ${n}`)
  return out.join('\n')
}

const indent = (s: string): string => s.split('\n').map((l) => `  ${l}`).join('\n')

/** The whole run as the CLI prints it: header, each benchmark's tables, then the targets. */
export function formatRun(run: BenchRun): string {
  const rev = run.revision.commit ? `${run.revision.commit.slice(0, 10)}${run.revision.branch ? ` (${run.revision.branch}${run.revision.dirty ? ', uncommitted changes' : ''})` : ''}` : `version ${run.revision.version}`
  const m = run.machine
  const seconds = (Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000
  const lines = [
    `Benchmark run ${run.id}${run.quick ? ' (quick)' : ''}: ${run.startedAt}, ${formatSeconds(seconds)}; sizes ${run.sizes.map(thousands).join(', ')}`,
    `revision ${rev} · ${m.cpu} · ${m.cores} cores · ${m.memoryGiB} GiB · ${m.os} · Node ${m.node} · PostgreSQL ${m.postgres ?? '?'} · PgBouncer ${m.pgbouncer ?? '?'}`,
    ''
  ]
  for (const r of run.results) lines.push(formatResult(r), '')
  const targets = run.results.flatMap((r) => r.targets.map((t) => ({ ...t, bench: r.name })))
  if (targets.length) {
    lines.push('TARGETS')
    lines.push(indent(table(
      ['', 'BENCHMARK', 'TARGET', 'MEASURED', 'GOAL', 'NOTE'],
      targets.map((t) => [t.met === null ? 'n/a' : t.met ? 'met' : 'NOT MET', t.bench, t.label, t.value === null ? '—' : t.unit === '×' ? formatRatio(t.value) : formatValue(t.value, t.unit), t.target, t.note ?? ''])
    )))
  }
  return lines.join('\n').trimEnd()
}

/** One line per stored run (newest first). */
export function formatRunList(runs: BenchRun[]): string {
  if (!runs.length) return 'no benchmark runs stored yet: run `fda-offline bench run --quick`'
  return table(
    ['ID', 'STARTED', 'MODE', 'REVISION', 'BENCHMARKS'],
    runs.map((r) => [
      r.id, r.startedAt.replace(/\.\d+Z$/, 'Z'), r.quick ? 'quick' : 'full', r.revision.commit?.slice(0, 10) ?? r.revision.version,
      r.results.map((x) => `${x.name}:${x.status === 'unavailable' ? 'n/a' : x.status}`).join(' ')
    ])
  )
}
