import { useQuery } from '@tanstack/react-query'
import { formatBytes } from '../../../shared/format'
import { api } from '../api/client'
import { errorText } from '../api/errors'

const LABELS: Record<string, string> = {
  '510k': '510(k)', classification: 'Classification', event: 'Adverse events (MAUDE)', recall: 'Recalls', pma: 'PMA', udi: 'UDI', enforcement: 'Enforcement'
}
const TIER: Record<string, string> = { safety: '24 h', approvals: '7 days', reference: '30 days' }

/** Rows, size and freshness of each endpoint against its TTL tier. */
export function DataFreshness(): React.JSX.Element {
  const stats = useQuery({ queryKey: ['data', 'stats'], queryFn: () => api.data.stats(), refetchInterval: 30_000 })
  if (stats.error) return <p className="muted">Mirror data: {errorText(stats.error)}</p>
  return (
    <>
      <h2>Mirror data</h2>
      <table data-testid="data-freshness">
        <thead><tr><th>Endpoint</th><th>Records</th><th>Size</th><th>Last loaded</th><th>Fresh for</th><th>State</th></tr></thead>
        <tbody>
          {stats.data?.map((e) => (
            <tr key={e.endpoint} data-testid={`endpoint-${e.endpoint}`}>
              <td>{LABELS[e.endpoint] ?? e.endpoint}</td>
              <td>{e.rows.toLocaleString()}</td>
              <td>{formatBytes(e.bytes)}</td>
              <td>{e.lastSuccessAt ? new Date(e.lastSuccessAt).toLocaleString() : 'never'}</td>
              <td>{TIER[e.ttlTier] ?? `${e.ttlSeconds} s`}</td>
              <td><span className={`pill ${e.stale ? 'bad' : 'good'}`}>{e.stale ? 'stale' : 'fresh'}</span></td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}
