import { Bar, BarChart, CartesianGrid, LabelList, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts'
import type { BenchRun } from '../../../../shared/schemas/bench'
import { concurrencySeries, historyPoints, percentileBars, ratioBars, ratioText, scalingSeries, sizeText, type HistoryPoint } from './chart-data'

const W = 760
const COLORS = ['#1f5fa8', '#c2571a', '#2e8540', '#8a3ab9', '#b8860b', '#0f7c8c', '#a3333d', '#555f6d']
const ms = (v: unknown): string => `${Number(v).toFixed(2)} ms`

function Empty({ what }: { what: string }): React.JSX.Element {
  return <p className="muted">{what}</p>
}

/** Speed-up (or rate ratio) of the console over its comparison, log scale: 1 means equal. */
export function RatioChart({ run }: { run: BenchRun }): React.JSX.Element {
  const data = ratioBars(run)
  if (!data.length) return <Empty what="No comparisons in this run." />
  return (
    <BarChart width={W} height={60 + data.length * 44} data={data} layout="vertical" margin={{ left: 20, right: 70 }}>
      <CartesianGrid strokeDasharray="3 3" horizontal={false} />
      <XAxis type="number" scale="log" domain={[0.1, 'auto']} allowDataOverflow tickFormatter={(v: number) => ratioText(v)} />
      <YAxis type="category" dataKey="name" width={300} tick={{ fontSize: 12 }} />
      <Tooltip formatter={(v) => ratioText(Number(v))} />
      <Bar dataKey="ratio" name="console ÷ comparison" fill={COLORS[0]} isAnimationActive={false}>
        <LabelList dataKey="label" position="right" />
      </Bar>
    </BarChart>
  )
}

export function PercentileChart({ run }: { run: BenchRun }): React.JSX.Element {
  const data = percentileBars(run)
  if (!data.length) return <Empty what="No latency measurements in this run." />
  return (
    <BarChart width={W} height={80 + data.length * 56} data={data} layout="vertical" margin={{ left: 20, right: 30 }}>
      <CartesianGrid strokeDasharray="3 3" horizontal={false} />
      <XAxis type="number" unit=" ms" />
      <YAxis type="category" dataKey="name" width={330} tick={{ fontSize: 11 }} />
      <Tooltip formatter={ms} />
      <Legend />
      {(['p50', 'p95', 'p99'] as const).map((p, i) => <Bar key={p} dataKey={p} fill={COLORS[i]} isAnimationActive={false} />)}
    </BarChart>
  )
}

/** Console median (solid) and cache scan (dashed) against mirror size, log–log. */
export function ScalingChart({ run }: { run: BenchRun }): React.JSX.Element {
  const { rows, groups } = scalingSeries(run)
  if (rows.length < 1) return <Empty what="No scaling measurements in this run." />
  return (
    <LineChart width={W} height={340} data={rows} margin={{ left: 10, right: 30 }}>
      <CartesianGrid strokeDasharray="3 3" />
      <XAxis dataKey="size" type="number" scale="log" domain={['auto', 'auto']} tickFormatter={sizeText} ticks={rows.map((r) => r.size)} label={{ value: 'records', position: 'insideBottomRight', offset: -4 }} />
      <YAxis scale="log" domain={['auto', 'auto']} allowDataOverflow tickFormatter={(v: number) => (v >= 1 ? `${Math.round(v)}` : v.toFixed(2))} unit=" ms" width={80} />
      <Tooltip formatter={ms} labelFormatter={(v) => `${sizeText(Number(v))} records`} />
      <Legend />
      {groups.flatMap((g, i) => [
        <Line key={g} dataKey={g} name={`${g} (console)`} stroke={COLORS[i % COLORS.length]} isAnimationActive={false} />,
        <Line key={`${g} cache`} dataKey={`${g} cache`} name={`${g} (cache scan)`} stroke={COLORS[i % COLORS.length]} strokeDasharray="5 4" isAnimationActive={false} />
      ])}
    </LineChart>
  )
}

export function ConcurrencyCharts({ run }: { run: BenchRun }): React.JSX.Element {
  const { rows, series } = concurrencySeries(run)
  if (!rows.length) return <Empty what="No concurrency measurements in this run." />
  const chart = (suffix: 'p99' | 'q/s', testid: string, unit: string) => (
    <div data-testid={testid}>
      <h3>{suffix === 'p99' ? 'p99 latency by clients' : 'Throughput by clients'}</h3>
      <LineChart width={W} height={280} data={rows} margin={{ left: 10, right: 30 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="clients" type="number" domain={['dataMin', 'dataMax']} ticks={rows.map((r) => r.clients)} label={{ value: 'clients', position: 'insideBottomRight', offset: -4 }} />
        <YAxis unit={unit} width={80} />
        <Tooltip formatter={(v) => (suffix === 'p99' ? ms(v) : `${Math.round(Number(v))} q/s`)} labelFormatter={(v) => `${String(v)} clients`} />
        <Legend />
        {series.map((s, i) => <Line key={s} dataKey={`${s} ${suffix}`} name={s} stroke={COLORS[i % COLORS.length]} connectNulls isAnimationActive={false} />)}
      </LineChart>
    </div>
  )
  return (
    <>
      {chart('p99', 'bench-chart-concurrency-p99', ' ms')}
      {chart('q/s', 'bench-chart-concurrency-qps', '')}
    </>
  )
}

function HistoryTooltip({ active, payload }: { active?: boolean; payload?: { payload: HistoryPoint }[] }): React.JSX.Element | null {
  const p = payload?.[0]?.payload
  if (!active || !p) return null
  return (
    <div className="chart-tip" data-testid="history-tip">
      <strong>{p.when}</strong> ({p.mode})<br />
      revision {p.revision}<br />
      {p.speedup !== null ? <>slowest selective query: {ratioText(p.speedup)}<br /></> : null}
      {p.importRatio !== null ? <>import: {ratioText(p.importRatio)} of psql<br /></> : null}
      {p.p99 !== null ? <>p99 at most clients: {ms(p.p99)}</> : null}
    </div>
  )
}

/** Headline figures across stored runs, oldest first; hover a point for its revision. */
export function HistoryChart({ runs }: { runs: BenchRun[] }): React.JSX.Element {
  const data = historyPoints(runs)
  if (data.length < 1) return <Empty what="No stored runs." />
  return (
    <LineChart width={W} height={300} data={data} margin={{ left: 10, right: 10 }}>
      <CartesianGrid strokeDasharray="3 3" />
      <XAxis dataKey="when" tick={{ fontSize: 11 }} />
      <YAxis yAxisId="ratio" scale="log" domain={['auto', 'auto']} allowDataOverflow tickFormatter={(v: number) => ratioText(v)} width={80} />
      <YAxis yAxisId="ms" orientation="right" unit=" ms" width={70} />
      <Tooltip content={<HistoryTooltip />} />
      <Legend />
      <Line yAxisId="ratio" dataKey="speedup" name="slowest selective query vs cache" stroke={COLORS[0]} connectNulls isAnimationActive={false} />
      <Line yAxisId="ratio" dataKey="importRatio" name="import vs psql" stroke={COLORS[1]} connectNulls isAnimationActive={false} />
      <Line yAxisId="ms" dataKey="p99" name="p99 at most clients (ms)" stroke={COLORS[2]} connectNulls isAnimationActive={false} />
    </LineChart>
  )
}
