import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { formatBytes } from '../../../shared/format'
import { api } from '../api/client'
import { errorText } from '../api/errors'
import { JobProgress } from './JobProgress'

const LABELS: Record<string, string> = {
  '510k': '510(k)', classification: 'Classification', event: 'Adverse events (MAUDE)', recall: 'Recalls', pma: 'PMA', udi: 'UDI', enforcement: 'Enforcement'
}
const TIER: Record<string, string> = { safety: '24 h', approvals: '7 days', reference: '30 days' }
const PILL: Record<string, string> = { fresh: 'good', due: 'warn', overdue: 'bad' }
type EndpointId = '510k' | 'classification' | 'event' | 'recall' | 'pma' | 'udi' | 'enforcement'

/** Rows, size and freshness (fresh, due, overdue) of each endpoint against its TTL tier; refreshes from openFDA. */
export function DataFreshness(): React.JSX.Element {
  const qc = useQueryClient()
  const stats = useQuery({ queryKey: ['data', 'stats'], queryFn: () => api.data.stats(), refetchInterval: 30_000 })
  const fresh = useQuery({ queryKey: ['refresh', 'freshness'], queryFn: () => api.refresh.freshness(), refetchInterval: 30_000 })
  const [blueGreen, setBlueGreen] = useState(false)
  const [jobId, setJobId] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [result, setResult] = useState<string | null>(null)

  const start = async (endpoints?: EndpointId[]): Promise<void> => {
    setError(null)
    setResult(null)
    try {
      setJobId((await api.refresh.start({ endpoints, blueGreen })).id)
    } catch (e) {
      setError(errorText(e))
    }
  }
  const finished = async (id: string): Promise<void> => {
    const r = await api.refresh.result({ jobId: id }).catch(() => null)
    if (r)
      setResult(
        `${r.resumed ? 'Resumed run' : 'Run'} ${r.runId} into ${r.color.toUpperCase()}: ` +
          r.endpoints.map((e) => `${LABELS[e.endpoint] ?? e.endpoint} +${e.inserted} ~${e.updated} −${e.deleted}`).join(', ')
      )
    void qc.invalidateQueries()
    setTimeout(() => setJobId(null), 4000)
  }

  if (stats.error) return <p className="muted">Mirror data: {errorText(stats.error)}</p>
  const stateOf = (endpoint: string): string => fresh.data?.find((f) => f.endpoint === endpoint)?.state ?? 'overdue'
  return (
    <>
      <header className="row">
        <h2>Mirror data</h2>
        <span className="spacer" />
        <label className="muted">
          <input type="checkbox" checked={blueGreen} onChange={(e) => setBlueGreen(e.target.checked)} data-testid="refresh-blue-green" /> into GREEN (blue-green)
        </label>
        <button onClick={() => void start()} disabled={Boolean(jobId)} data-testid="refresh-all">Refresh from openFDA</button>
      </header>
      {error ? <p className="bad" role="alert">{error}</p> : null}
      {jobId ? <JobProgress jobId={jobId} onEnd={(e) => void finished(e.jobId)} /> : null}
      {result ? <p className="muted" data-testid="refresh-result">{result}</p> : null}
      <table data-testid="data-freshness">
        <thead><tr><th>Endpoint</th><th>Records</th><th>Size</th><th>Last loaded</th><th>Fresh for</th><th>State</th><th /></tr></thead>
        <tbody>
          {stats.data?.map((e) => (
            <tr key={e.endpoint} data-testid={`endpoint-${e.endpoint}`}>
              <td>{LABELS[e.endpoint] ?? e.endpoint}</td>
              <td>{e.rows.toLocaleString()}</td>
              <td>{formatBytes(e.bytes)}</td>
              <td>{e.lastSuccessAt ? new Date(e.lastSuccessAt).toLocaleString() : 'never'}</td>
              <td>{TIER[e.ttlTier] ?? `${e.ttlSeconds} s`}</td>
              <td><span className={`pill ${PILL[stateOf(e.endpoint)]}`} data-testid={`freshness-${e.endpoint}`}>{stateOf(e.endpoint)}</span></td>
              <td><button className="secondary" onClick={() => void start([e.endpoint])} disabled={Boolean(jobId)}>Refresh</button></td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}
