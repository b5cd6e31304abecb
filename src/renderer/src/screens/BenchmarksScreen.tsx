import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import type { BenchInfo, BenchRun } from '../../../shared/schemas/bench'
import { api } from '../api/client'
import { errorText } from '../api/errors'
import { JobProgress } from '../components/JobProgress'
import { ConcurrencyCharts, HistoryChart, PercentileChart, RatioChart, ScalingChart } from './benchmarks/charts'
import { ratioText } from './benchmarks/chart-data'

/** Stored benchmark runs as charts, and starting a run (a job on bench stacks of its own). */
export function BenchmarksScreen(): React.JSX.Element {
  const list = useQuery({ queryKey: ['bench', 'list'], queryFn: () => api.bench.list({ limit: 30 }) })
  const [selected, setSelected] = useState<string | null>(null)
  const runs = list.data?.runs ?? []
  const run = runs.find((r) => r.id === selected) ?? runs[0] ?? null
  return (
    <section>
      <header className="row">
        <h1>Benchmarks</h1>
        <span className="spacer" />
        {runs.length ? (
          <label className="row">
            Run{' '}
            <select aria-label="Benchmark run" value={run?.id ?? ''} onChange={(e) => setSelected(e.target.value)}>
              {runs.map((r) => <option key={r.id} value={r.id}>{r.startedAt.slice(0, 16).replace('T', ' ')} · {r.quick ? 'quick' : 'full'} · {r.revision.commit?.slice(0, 8) ?? r.revision.version}</option>)}
            </select>
          </label>
        ) : null}
      </header>
      {list.error ? <p className="bad" role="alert">{errorText(list.error)}</p> : null}
      <RunPanel benchmarks={list.data?.benchmarks ?? []} onStored={(id) => setSelected(id)} />
      {list.isLoading ? <p className="muted">Reading stored runs…</p> : null}
      {list.data && !runs.length ? <p className="notice">No benchmark run is stored yet. Start a quick run above, or run <code>npm run bench -- --quick</code>.</p> : null}
      {run ? <RunView run={run} /> : null}
      {runs.length ? (
        <div className="panel" data-testid="bench-chart-history">
          <h2>History</h2>
          <p className="muted small">Headline figures of the stored runs, oldest first. Hover a point for its revision.</p>
          <HistoryChart runs={runs} />
        </div>
      ) : null}
    </section>
  )
}

function RunPanel({ benchmarks, onStored }: { benchmarks: BenchInfo[]; onStored: (id: string | null) => void }): React.JSX.Element {
  const qc = useQueryClient()
  const [which, setWhich] = useState('all')
  const [quick, setQuick] = useState(true)
  const [jobId, setJobId] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const start = async (): Promise<void> => {
    setError(null)
    try {
      setJobId((await api.bench.start({ quick, only: which === 'all' ? null : [which] })).id)
    } catch (e) {
      setError(errorText(e))
    }
  }
  return (
    <div className="panel" data-testid="bench-run-panel">
      <h2>Run benchmarks</h2>
      <p className="muted small">
        Each benchmark starts stacks of its own (never the mirror), measures the console and its comparison side by side, and stores the run with this
        machine&apos;s description and the revision. A quick run takes a few minutes; the full suite (1,000,000 records) about an hour.
      </p>
      <div className="row wrap">
        <select aria-label="Benchmark to run" value={which} onChange={(e) => setWhich(e.target.value)}>
          <option value="all">all benchmarks</option>
          {benchmarks.map((b) => <option key={b.name} value={b.name}>{b.name}{b.available ? '' : ' (not in this build)'}</option>)}
        </select>
        <label className="check"><input type="checkbox" checked={quick} onChange={(e) => setQuick(e.target.checked)} /> quick</label>
        <button onClick={() => void start()} disabled={Boolean(jobId)}>Run</button>
      </div>
      {error ? <p className="bad" role="alert">{error}</p> : null}
      {jobId ? (
        <JobProgress
          jobId={jobId}
          onEnd={() => {
            onStored(null) // show the newest run: the one just stored
            void qc.invalidateQueries({ queryKey: ['bench'] })
            setTimeout(() => setJobId(null), 3000)
          }}
        />
      ) : null}
    </div>
  )
}

function RunView({ run }: { run: BenchRun }): React.JSX.Element {
  const m = run.machine
  const targets = run.results.flatMap((r) => r.targets.map((t) => ({ ...t, bench: r.name })))
  const missing = run.results.filter((r) => r.status !== 'ok')
  return (
    <>
      <div className="panel" data-testid="bench-run">
        <h2>Run {run.id}</h2>
        <dl className="facts">
          <dt>Started</dt><dd>{new Date(run.startedAt).toLocaleString()} ({run.quick ? 'quick' : 'full'}; sizes {run.sizes.map((s) => s.toLocaleString('en-US')).join(', ')})</dd>
          <dt>Revision</dt><dd data-testid="bench-revision">{run.revision.commit ?? '—'}{run.revision.branch ? ` (${run.revision.branch})` : ''}{run.revision.dirty ? ', uncommitted changes' : ''} · version {run.revision.version}</dd>
          <dt>Machine</dt><dd>{m.cpu}, {m.cores} cores, {m.memoryGiB} GiB, {m.os}</dd>
          <dt>Software</dt><dd>Node {m.node} · PostgreSQL {m.postgres ?? '?'} · PgBouncer {m.pgbouncer ?? '?'}</dd>
        </dl>
        {missing.length ? (
          <ul data-testid="bench-missing">
            {missing.map((r) => <li key={r.name} className={r.status === 'failed' ? 'bad' : 'muted'}><strong>{r.name}</strong>: {r.status === 'unavailable' ? 'not available in this build' : r.status}{r.reason && r.status !== 'unavailable' ? ` — ${r.reason}` : r.reason ? ` — ${r.reason.replace(/^not available in this build \(?|\)$/g, '')}` : ''}</li>)}
          </ul>
        ) : null}
        {targets.length ? (
          <table data-testid="bench-targets">
            <thead><tr><th></th><th>Target</th><th>Measured</th><th>Goal</th><th>Note</th></tr></thead>
            <tbody>
              {targets.map((t) => (
                <tr key={`${t.bench}-${t.label}`}>
                  <td><span className={`pill ${t.met === null ? 'muted' : t.met ? 'good' : 'bad'}`}>{t.met === null ? 'n/a' : t.met ? 'met' : 'not met'}</span></td>
                  <td>{t.label}</td>
                  <td>{t.value === null ? '—' : t.unit === '×' ? ratioText(t.value) : `${Number.isInteger(t.value) ? t.value : t.value.toFixed(2)} ${t.unit}`}</td>
                  <td>{t.target}</td>
                  <td className="muted small">{t.note ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>
      <div className="panel" data-testid="bench-chart-ratios">
        <h2>Console against its comparison</h2>
        <p className="muted small">Speed-up over scanning the JSON cache; the import rate relative to psql \copy; backup and restore rates and switch pauses relative to their bare equivalents (below 1: the console is slower, doing more). At the largest size measured (log scale; both sides gave the same answer).</p>
        <RatioChart run={run} />
      </div>
      <div className="panel" data-testid="bench-chart-latency">
        <h2>Latency percentiles</h2>
        <PercentileChart run={run} />
      </div>
      <div className="panel" data-testid="bench-chart-scaling">
        <h2>Scaling with the data</h2>
        <p className="muted small">Console (solid) and cache scan (dashed) time per query against the number of records (log–log).</p>
        <ScalingChart run={run} />
      </div>
      <div className="panel" data-testid="bench-chart-concurrency">
        <h2>Concurrency through PgBouncer</h2>
        <ConcurrencyCharts run={run} />
      </div>
    </>
  )
}
