import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import type { ColorFacts, SwitchRecord } from '../../../shared/contracts/deploy'
import { api } from '../api/client'
import { errorText } from '../api/errors'
import { JobProgress } from '../components/JobProgress'

type SwitchKind = 'promote' | 'rollback'

const two: React.CSSProperties = { display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 16 }
const colorPill = (c: string | null): string => (c === 'green' ? 'good' : c === 'blue' ? 'muted' : 'bad')

/**
 * Blue-Green: both colors side by side, the guardrails, Promote and Roll back with an electronic
 * signature (meaning: approval), the live progress of a switch and the history with measured pauses.
 */
export function BlueGreenScreen(): React.JSX.Element {
  const qc = useQueryClient()
  const auth = useQuery({ queryKey: ['auth'], queryFn: () => api.auth.state() })
  const status = useQuery({ queryKey: ['deploy', 'status'], queryFn: () => api.deploy.status({ content: true }), refetchInterval: 5000 })
  const verify = useQuery({ queryKey: ['deploy', 'verify'], queryFn: () => api.deploy.verify(), enabled: Boolean(status.data?.standby), refetchInterval: 15_000 })
  const [jobId, setJobId] = useState<string | null>(null)
  const [signing, setSigning] = useState<SwitchKind | null>(null)
  const [error, setError] = useState<string | null>(null)
  const st = status.data
  const isAdmin = auth.data?.user?.role === 'admin'
  const failing = verify.data?.guardrails.filter((g) => !g.ok) ?? []
  const canRollBack = Boolean(st?.warmUntil && st.standby && Date.parse(st.warmUntil) > Date.now())

  const start = async (fn: () => Promise<{ id: string }>): Promise<void> => {
    setError(null)
    try {
      setJobId((await fn()).id)
    } catch (e) {
      setError(errorText(e))
    }
  }

  return (
    <section>
      <header className="row">
        <h1>Blue-Green</h1>
        <span className={`pill ${colorPill(st?.live ?? null)}`} data-testid="live-color">
          live: {st?.live?.toUpperCase() ?? 'unknown'}
        </span>
        {st?.standby ? <span className="pill muted" data-testid="standby-color">standby: {st.standby.toUpperCase()}</span> : null}
        {st?.warmUntil ? <span className="muted small">previous color kept warm until {new Date(st.warmUntil).toLocaleString()}</span> : null}
        <span className="spacer" />
        <button className="secondary" disabled={Boolean(jobId)} onClick={() => void start(() => api.deploy.prepare())}>
          Prepare {st?.live ? (st.live === 'blue' ? 'GREEN' : 'BLUE') : 'standby'}
        </button>
        <button disabled={Boolean(jobId) || !st?.standby || signing !== null} onClick={() => setSigning('promote')} data-testid="promote">
          Promote {st?.standby?.toUpperCase() ?? ''}
        </button>
        <button className="secondary" disabled={Boolean(jobId) || !canRollBack || signing !== null} onClick={() => setSigning('rollback')} data-testid="rollback">
          Roll back to {st?.standby?.toUpperCase() ?? ''}
        </button>
      </header>
      {st?.recovered ? <p className="notice" role="status" data-testid="recovered">Start-up recovery: {st.recovered}</p> : null}
      {error ? <p className="notice bad" role="alert">{error}</p> : null}
      {signing && st?.standby ? (
        <SignatureDialog
          kind={signing}
          to={st.standby}
          failing={failing.length}
          isAdmin={isAdmin}
          onCancel={() => setSigning(null)}
          onSigned={(id) => {
            setSigning(null)
            setJobId(id)
          }}
        />
      ) : null}
      {jobId ? (
        <JobProgress
          jobId={jobId}
          onEnd={() => {
            void qc.invalidateQueries({ queryKey: ['deploy'] })
            void qc.invalidateQueries({ queryKey: ['status'] })
            setTimeout(() => setJobId(null), 3000)
          }}
        />
      ) : null}
      {status.error ? <p className="bad" role="alert">{errorText(status.error)}</p> : null}
      {st ? (
        <div style={two} data-testid="colors">
          {st.colors.map((c) => (
            <ColorCard key={c.color} c={c} />
          ))}
        </div>
      ) : (
        <p className="muted">Reading both colors…</p>
      )}
      <div className="panel">
        <div className="row">
          <h2>Guardrails {verify.data ? `(${verify.data.from.toUpperCase()} → ${verify.data.to.toUpperCase()})` : ''}</h2>
          <span className="spacer" />
          <button className="secondary" onClick={() => void verify.refetch()} disabled={!st?.standby || verify.isFetching}>
            {verify.isFetching ? 'Checking…' : 'Check again'}
          </button>
        </div>
        {!st?.standby ? <p className="muted">There is no standby color yet: prepare one first.</p> : null}
        {verify.error ? <p className="bad" role="alert">{errorText(verify.error)}</p> : null}
        {verify.data ? (
          <table data-testid="guardrails">
            <tbody>
              {verify.data.guardrails.map((g) => (
                <tr key={g.name} data-ok={g.ok}>
                  <td><span className={`pill ${g.ok ? 'good' : 'bad'}`}>{g.ok ? 'pass' : 'FAIL'}</span></td>
                  <td>{g.name}</td>
                  <td className="small">{g.detail}{g.fix ? <div className="bad">Fix: {g.fix}</div> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>
      <div className="panel">
        <h2>Switches</h2>
        <History rows={st?.history ?? []} />
      </div>
    </section>
  )
}

function ColorCard({ c }: { c: ColorFacts }): React.JSX.Element {
  const healthy = c.health === 'healthy'
  return (
    <div className="panel" data-testid={`color-${c.color}`} data-role={c.role}>
      <div className="row">
        <h2>{c.color.toUpperCase()}</h2>
        <span className={`pill ${c.role === 'live' ? 'good' : 'muted'}`}>{c.role}</span>
        <span className={`pill ${healthy ? 'good' : c.role === 'absent' ? 'muted' : 'bad'}`}>{c.health}</span>
      </div>
      <dl className="facts">
        <dt>Container</dt>
        <dd>{c.container} · port {c.port}</dd>
        <dt>Versions</dt>
        <dd>PostgreSQL {c.serverVersion ?? '-'} · schema {c.schemaVersion ?? '-'}</dd>
        <dt>Up since</dt>
        <dd>{c.startedAt ? new Date(c.startedAt).toLocaleString() : '-'}</dd>
        <dt>Replication</dt>
        <dd>{c.replication.detail}{c.replication.lagMs !== null ? ` · lag ${c.replication.lagMs} ms` : ''}</dd>
      </dl>
      {c.error ? <p className="bad small">{c.error}</p> : null}
      {c.content.length ? (
        <table className="small">
          <thead>
            <tr><th>Endpoint</th><th>Rows</th><th>Digest</th><th>Expected</th></tr>
          </thead>
          <tbody>
            {c.content.map((x) => {
              const match = x.expectedRows === null ? null : x.expectedRows === x.rows && x.expectedDigest === x.digest
              return (
                <tr key={x.endpoint}>
                  <td>{x.endpoint}</td>
                  <td>{x.rows.toLocaleString()}</td>
                  <td title={x.digest}><code>{x.digest.slice(0, 10)}</code></td>
                  <td title={x.expectationSource ?? ''}>
                    {match === null ? <span className="muted">-</span> : <span className={`pill ${match ? 'good' : 'bad'}`}>{match ? 'equal' : `${x.expectedRows} / ${x.expectedDigest?.slice(0, 6)}`}</span>}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      ) : null}
    </div>
  )
}

function History({ rows }: { rows: SwitchRecord[] }): React.JSX.Element {
  if (!rows.length) return <p className="muted">No switches yet.</p>
  return (
    <table data-testid="switch-history" className="small">
      <thead>
        <tr><th>When</th><th>Switch</th><th>Result</th><th>Pause</th><th>Steps</th><th>By</th></tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id}>
            <td>{new Date(r.startedAt).toLocaleString()}</td>
            <td>{r.kind} {r.from.toUpperCase()} → {r.to.toUpperCase()}</td>
            <td><span className={`pill ${r.state.endsWith('done') ? 'good' : r.state === 'running' ? 'muted' : 'bad'}`}>{r.state}</span>{r.message ? <div className="muted">{r.message}</div> : null}</td>
            <td data-testid="pause-ms">{r.pauseMs !== null ? `${r.pauseMs} ms` : '-'}</td>
            <td className="muted">{r.steps.map((s) => `${s.step} ${s.ms}`).join(' · ')}</td>
            <td>{r.by}{r.overrideReason ? <div className="bad">override: {r.overrideReason}</div> : null}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function SignatureDialog(props: { kind: SwitchKind; to: string; failing: number; isAdmin: boolean; onCancel: () => void; onSigned: (jobId: string) => void }): React.JSX.Element {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [reason, setReason] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const what = props.kind === 'promote' ? `Promote ${props.to.toUpperCase()} to live` : `Roll back: make ${props.to.toUpperCase()} live again`
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const input = { username, password, overrideReason: props.failing && reason.trim() ? reason.trim() : undefined }
      const job = props.kind === 'promote' ? await api.deploy.promote(input) : await api.deploy.rollback(input)
      props.onSigned(job.id)
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <form className="panel" role="dialog" aria-label="Electronic signature" onSubmit={(e) => void submit(e)}>
      <h2>{what}</h2>
      <p>
        Signing approves this switch. Re-enter your user name and password; the signature records your printed name, the time and the meaning{' '}
        <span className="pill muted" data-testid="signature-meaning">approval</span>.
      </p>
      {props.failing ? (
        props.isAdmin ? (
          <label className="field">
            Override reason ({props.failing} guardrail{props.failing > 1 ? 's' : ''} fail; recorded and signed)
            <input value={reason} onChange={(e) => setReason(e.target.value)} minLength={10} required />
          </label>
        ) : (
          <p className="notice bad">{props.failing} guardrail{props.failing > 1 ? 's' : ''} fail: only an administrator may override.</p>
        )
      ) : null}
      <div className="row wrap">
        <label className="field">
          User name
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
        </label>
        <label className="field">
          Password
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
      </div>
      {error ? <p className="bad" role="alert">{error}</p> : null}
      <div className="row">
        <button type="submit" disabled={busy}>{busy ? 'Signing…' : 'Sign and switch'}</button>
        <button type="button" className="secondary" onClick={props.onCancel}>Cancel</button>
      </div>
    </form>
  )
}
