import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { formatBytes as size } from '../../../shared/format'
import type { StackStatus } from '../../../shared/schemas'
import { api } from '../api/client'
import { errorText } from '../api/errors'
import { ChainStatus } from '../components/ChainStatus'
import { DataFreshness } from '../components/DataFreshness'
import { JobProgress } from '../components/JobProgress'

function Health({ state, health }: { state: string; health: string }): React.JSX.Element {
  const ok = state === 'running' && health === 'healthy'
  const label = state !== 'running' ? state : health === 'none' ? 'running' : health
  return <span className={`pill ${ok ? 'good' : state === 'absent' ? 'muted' : 'bad'}`}>{label}</span>
}

export function StatusScreen({ signedIn }: { signedIn: boolean }): React.JSX.Element {
  const qc = useQueryClient()
  const [jobId, setJobId] = useState<string | null>(null)
  const [actionError, setActionError] = useState<string | null>(null)
  const status = useQuery({ queryKey: ['status'], queryFn: () => api.status.get(), refetchInterval: 3000 })
  const s = status.data

  const run = async (start: () => Promise<{ id: string }>): Promise<void> => {
    setActionError(null)
    try {
      setJobId((await start()).id)
    } catch (e) {
      setActionError(errorText(e))
    }
  }

  return (
    <section>
      <header className="row">
        <h1>Status</h1>
        {s ? (
          <span className={`pill ${s.healthy ? 'good' : 'bad'}`} data-testid="stack-health">
            {s.healthy ? 'Stack healthy' : 'Stack not healthy'}
          </span>
        ) : null}
        <span className="spacer" />
        <button onClick={() => void run(() => api.stack.up({ green: false }))} disabled={Boolean(jobId)}>Start stack</button>
        <button className="secondary" onClick={() => void run(() => api.stack.up({ green: true }))} disabled={Boolean(jobId)}>Start with GREEN</button>
        <button className="secondary" onClick={() => void run(() => api.stack.down({ volumes: false }))} disabled={Boolean(jobId)}>Stop stack</button>
      </header>
      {actionError ? <p className="bad" role="alert">{actionError}</p> : null}
      {jobId ? (
        <JobProgress
          jobId={jobId}
          onEnd={() => {
            void qc.invalidateQueries()
            setTimeout(() => setJobId(null), 4000)
          }}
        />
      ) : null}
      {status.error ? <p className="bad" role="alert">{errorText(status.error)}</p> : null}
      {signedIn && s?.healthy ? <ChainStatus /> : null}
      {s ? <StatusDetail s={s} /> : status.isLoading ? <p className="muted">Reading the stack…</p> : null}
      {signedIn && s?.healthy ? <DataFreshness /> : null}
    </section>
  )
}

function StatusDetail({ s }: { s: StackStatus }): React.JSX.Element {
  if (!s.docker.reachable)
    return (
      <div className="notice bad" role="alert" data-testid="docker-unreachable">
        <strong>{s.docker.error}</strong>
        <div>{s.docker.fix}</div>
      </div>
    )
  return (
    <>
      <dl className="facts">
        <dt>Stack</dt><dd>{s.stackName}</dd>
        <dt>Live color</dt><dd data-testid="live-color">{s.liveColor?.toUpperCase() ?? '—'}</dd>
        <dt>Docker</dt><dd>{s.docker.version} (API {s.docker.apiVersion})</dd>
        <dt>Image</dt><dd>{s.image.tag} {s.image.present ? '' : '(not built yet)'}</dd>
        <dt>Free disk</dt><dd>{size(s.disk.freeBytes)} of {size(s.disk.totalBytes)} ({s.disk.path})</dd>
        <dt>Checked</dt><dd>{new Date(s.checkedAt).toLocaleTimeString()}</dd>
      </dl>
      <h2>Containers</h2>
      <table>
        <thead><tr><th>Role</th><th>Container</th><th>State</th><th>Port (127.0.0.1)</th><th>Version</th><th>Up since</th></tr></thead>
        <tbody>
          {s.containers.map((c) => (
            <tr key={c.role} data-testid={`container-${c.role}`}>
              <td>{c.role === 'pgbouncer' ? 'PgBouncer' : c.role.toUpperCase()}</td>
              <td>{c.name}</td>
              <td><Health state={c.state} health={c.health} />{c.detail ? <div className="muted small">{c.detail}</div> : null}</td>
              <td>{c.port}</td>
              <td>{c.version ?? '—'}</td>
              <td>{c.startedAt ? new Date(c.startedAt).toLocaleString() : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>PgBouncer pools</h2>
      {s.pgbouncer.pools.length ? (
        <table>
          <thead><tr><th>Database/user</th><th>Clients active</th><th>Clients waiting</th><th>Servers active</th><th>Servers idle</th><th>Longest wait</th><th>Mode</th></tr></thead>
          <tbody>
            {s.pgbouncer.pools.map((p) => (
              <tr key={`${p.database}/${p.user}`}>
                <td>{p.database}/{p.user}</td><td>{p.clientsActive}</td><td>{p.clientsWaiting}</td><td>{p.serversActive}</td><td>{p.serversIdle}</td><td>{p.maxWaitSeconds.toFixed(1)} s</td><td>{p.poolMode}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">No pools yet (PgBouncer {s.pgbouncer.version ?? 'not running'}).</p>
      )}
      <h2>Volumes</h2>
      <table>
        <thead><tr><th>Volume</th><th>Size</th></tr></thead>
        <tbody>{s.volumes.map((v) => <tr key={v.name}><td>{v.name}</td><td>{size(v.sizeBytes)}</td></tr>)}</tbody>
      </table>
    </>
  )
}
