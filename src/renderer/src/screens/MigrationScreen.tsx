import { useQuery } from '@tanstack/react-query'
import { useEffect, useRef, useState, type FormEvent } from 'react'
import { formatBytes } from '../../../shared/format'
import type { MigrationSummary } from '../../../shared/schemas'
import { api } from '../api/client'
import { errorText } from '../api/errors'
import { JobProgress } from '../components/JobProgress'

const ENDPOINTS = ['510k', 'classification', 'event', 'recall', 'pma', 'udi', 'enforcement'] as const
type Endpoint = (typeof ENDPOINTS)[number]
const LABELS: Record<string, string> = {
  '510k': '510(k)', classification: 'Classification', event: 'Adverse events (MAUDE)', recall: 'Recalls', pma: 'PMA', udi: 'UDI', enforcement: 'Enforcement'
}
const STEPS = ['Source', 'Pre-flight', 'Import', 'Verify & summary', 'Sign-off'] as const
/** Reject rows shown on screen; the CSV carries up to REJECTS_IN_CSV. */
const REJECTS_SHOWN = 50
const REJECTS_IN_CSV = 10_000

type Preflight = Awaited<ReturnType<typeof api.migration.preflight>>
type Signature = Awaited<ReturnType<typeof api.audit.sign>>
interface Source {
  source: string
  endpoint: Endpoint | null
  resume: boolean
  backup: boolean
}

/**
 * The migration wizard: choose a source, pre-flight it, import it (a job with live progress),
 * read the verification and the rejects, and sign off the run with an electronic signature.
 */
export function MigrationScreen(): React.JSX.Element {
  const [step, setStep] = useState(1)
  const [input, setInput] = useState<Source | null>(null)
  const [checked, setChecked] = useState<Preflight | null>(null)
  const [jobId, setJobId] = useState<string | null>(null)
  const [summary, setSummary] = useState<MigrationSummary | null>(null)

  const restart = (): void => {
    setStep(1)
    setChecked(null)
    setJobId(null)
    setSummary(null)
  }

  return (
    <section className="wizard">
      <h1>Migration</h1>
      <p className="muted">Import a JSON cache of the earlier tool (or openFDA bulk downloads, or NDJSON) into the PostgreSQL mirror, verify it, and sign the run off.</p>
      <ol className="steps" aria-label="Migration steps">
        {STEPS.map((label, i) => (
          <li key={label} className={i + 1 === step ? 'current' : i + 1 < step ? 'done' : ''} aria-current={i + 1 === step ? 'step' : undefined}>
            <span className="step-no">{i + 1}</span> {label}
          </li>
        ))}
      </ol>
      {step === 1 ? (
        <SourceStep
          initial={input}
          onChecked={(src, result) => {
            setInput(src)
            setChecked(result)
            setStep(2)
          }}
        />
      ) : null}
      {step === 2 && input && checked ? (
        <PreflightStep
          input={input}
          result={checked}
          onBack={() => setStep(1)}
          onStarted={(id) => {
            setJobId(id)
            setStep(3)
          }}
        />
      ) : null}
      {step === 3 && jobId ? (
        <ImportStep
          jobId={jobId}
          onSummary={(s) => {
            setSummary(s)
            setStep(4)
          }}
          onBack={restart}
        />
      ) : null}
      {step >= 4 && summary ? <SummaryView summary={summary} /> : null}
      {step === 4 && summary ? (
        <div className="row">
          <button onClick={() => setStep(5)}>Continue to sign-off</button>
          <button className="secondary" onClick={restart}>Import another source</button>
        </div>
      ) : null}
      {step === 5 && summary ? <SignOff summary={summary} onRestart={restart} /> : null}
    </section>
  )
}

function SourceStep({ initial, onChecked }: { initial: Source | null; onChecked: (s: Source, r: Preflight) => void }): React.JSX.Element {
  const sources = useQuery({ queryKey: ['migration', 'sources'], queryFn: () => api.migration.sources() })
  const [source, setSource] = useState<string | null>(initial?.source ?? null)
  const [endpoint, setEndpoint] = useState<Endpoint | null>(initial?.endpoint ?? null)
  const [resume, setResume] = useState(initial?.resume ?? false)
  const [backup, setBackup] = useState(initial?.backup ?? false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  // The bundled sample cache is the default until the user types or picks something else.
  const value = source ?? sources.data?.bundledSample ?? ''
  const earlier = sources.data?.earlierToolCache ?? null

  const check = async (e: FormEvent): Promise<void> => {
    e.preventDefault()
    setError(null)
    setBusy(true)
    const src = { source: value.trim(), endpoint, resume, backup }
    try {
      onChecked(src, await api.migration.preflight(src))
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form className="panel" aria-label="Source" onSubmit={(e) => void check(e)}>
      <h2>1. Source</h2>
      {sources.error ? <p className="bad" role="alert">{errorText(sources.error)}</p> : null}
      {earlier ? (
        <p className="notice">
          The earlier tool's cache was found on this machine.{' '}
          <button type="button" onClick={() => setSource(earlier)} disabled={value === earlier}>Use the earlier tool's cache ({earlier})</button>
        </p>
      ) : null}
      <label className="field">
        <span>Source folder or file (on the machine that runs the console)</span>
        <input aria-label="Source folder or file" value={value} onChange={(e) => setSource(e.target.value)} required spellCheck={false} />
      </label>
      {sources.data && value !== sources.data.bundledSample ? (
        <div>
          <button type="button" className="secondary" onClick={() => setSource(sources.data.bundledSample)}>Use the bundled sample cache</button>
        </div>
      ) : sources.data ? (
        <p className="muted small">This is the bundled sample cache: a few records of every endpoint, to try the import safely.</p>
      ) : null}
      <label className="field">
        <span>Endpoint (blank: inferred from each file; needed for NDJSON)</span>
        <select aria-label="Endpoint" value={endpoint ?? ''} onChange={(e) => setEndpoint(e.target.value ? (e.target.value as Endpoint) : null)}>
          <option value="">infer from the files</option>
          {ENDPOINTS.map((x) => <option key={x} value={x}>{LABELS[x]} ({x})</option>)}
        </select>
      </label>
      <label className="check">
        <input type="checkbox" checked={resume} onChange={(e) => setResume(e.target.checked)} /> Resume the last unfinished import of this source
      </label>
      <label className="check">
        <input type="checkbox" checked={backup} onChange={(e) => setBackup(e.target.checked)} /> Back up the source first (a .tar.gz with its SHA-256)
      </label>
      {error ? <p className="bad" role="alert">{error}</p> : null}
      <div className="row">
        <button type="submit" disabled={busy || !value.trim()}>{busy ? 'Checking…' : 'Check'}</button>
      </div>
    </form>
  )
}

function PreflightStep({ input, result, onBack, onStarted }: { input: Source; result: Preflight; onBack: () => void; onStarted: (jobId: string) => void }): React.JSX.Element {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const failed = result.checks.filter((c) => !c.ok).length
  const start = async (): Promise<void> => {
    setError(null)
    setBusy(true)
    try {
      onStarted((await api.migration.start(input)).id)
    } catch (e) {
      setError(errorText(e))
      setBusy(false)
    }
  }
  return (
    <div className="panel">
      <h2>2. Pre-flight</h2>
      <dl className="facts">
        <dt>Source</dt><dd><code>{input.source}</code></dd>
        <dt>Endpoint</dt><dd>{input.endpoint ? LABELS[input.endpoint] : 'inferred from each file'}{input.resume ? ' · resuming the last unfinished import' : ''}{input.backup ? ' · backing up the source first' : ''}</dd>
        <dt>Files</dt><dd data-testid="preflight-files">{result.files.toLocaleString()} ({formatBytes(result.bytes)})</dd>
        <dt>By kind</dt>
        <dd>{Object.entries(result.kinds).map(([k, n]) => `${k}: ${n}`).join(' · ') || '—'}</dd>
      </dl>
      <table data-testid="preflight-checks">
        <thead><tr><th>Check</th><th>Result</th><th>Detail</th><th>Fix</th></tr></thead>
        <tbody>
          {result.checks.map((c) => (
            <tr key={c.name} data-ok={c.ok}>
              <td>{c.name}</td>
              <td><span className={`pill ${c.ok ? 'good' : 'bad'}`}>{c.ok ? 'pass' : 'fail'}</span></td>
              <td>{c.detail}</td>
              <td>{c.fix ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {failed ? <p className="notice bad" role="alert">{failed === 1 ? 'One check fails' : `${failed} checks fail`}: fix it as shown, then check again.</p> : null}
      {result.files === 0 ? <p className="notice bad" role="alert">The source holds no .json, .json.zip, .ndjson or .jsonl files.</p> : null}
      {error ? <p className="bad" role="alert">{error}</p> : null}
      <div className="row">
        <button className="secondary" onClick={onBack} disabled={busy}>Back</button>
        <button onClick={() => void start()} disabled={busy || failed > 0 || result.files === 0}>Start import</button>
      </div>
    </div>
  )
}

function ImportStep({ jobId, onSummary, onBack }: { jobId: string; onSummary: (s: MigrationSummary) => void; onBack: () => void }): React.JSX.Element {
  const [ended, setEnded] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const finishing = useRef(false)
  const finish = async (id: string): Promise<void> => {
    if (finishing.current) return
    finishing.current = true
    setEnded(true)
    try {
      const summary = await api.migration.result({ jobId: id })
      if (summary) return onSummary(summary)
      const job = await api.jobs.get({ jobId: id })
      setError(job.error ?? `The import ended (${job.state}) without a summary.`)
    } catch (e) {
      setError(errorText(e))
    }
  }
  return (
    <div className="panel">
      <h2>3. Import</h2>
      <p className="muted small">Phases: preflight, scan, load, index, verify. Each file is committed on its own, newest cached first, so a cancelled or interrupted import can be resumed.</p>
      <JobProgress jobId={jobId} onEnd={(e) => void finish(e.jobId)} />
      {ended && !error ? <p className="muted">Reading the summary…</p> : null}
      {error ? (
        <>
          <p className="notice bad" role="alert">{error}</p>
          <div className="row"><button className="secondary" onClick={onBack}>Back to the source</button></div>
        </>
      ) : null}
    </div>
  )
}

function SummaryView({ summary: s }: { summary: MigrationSummary }): React.JSX.Element {
  const reasons = Object.entries(s.rejectsByReason).sort((a, b) => b[1] - a[1])
  return (
    <div className="panel" data-testid="migration-summary">
      <h2>4. Verify &amp; summary</h2>
      {s.verified ? (
        <p className="notice good-notice banner" data-testid="migration-verified">Verified</p>
      ) : (
        <p className="notice bad banner" role="alert" data-testid="migration-verified">NOT verified</p>
      )}
      <p className="muted small">
        {s.verified
          ? 'Every key accepted from the source is in the mirror with the same checksum, and the re-computed checksums match.'
          : 'Some endpoints did not verify: see the table. Keys missing or checksums that do not match are listed; the import can be resumed or repeated.'}
      </p>
      <table data-testid="migration-verification">
        <thead><tr><th>Endpoint</th><th>Expected keys</th><th>Present</th><th>Checksums re-computed</th><th>Mismatches</th><th>Result</th></tr></thead>
        <tbody>
          {s.verification.map((v) => (
            <tr key={v.endpoint} data-testid={`verify-${v.endpoint}`}>
              <td>{LABELS[v.endpoint] ?? v.endpoint}</td>
              <td>{v.expected.toLocaleString()}</td>
              <td>{v.present.toLocaleString()}</td>
              <td>{v.recomputed.toLocaleString()} ({v.sampled ? 'sample' : 'all'})</td>
              <td className={v.checksumMismatches ? 'bad' : ''}>{v.checksumMismatches.toLocaleString()}</td>
              <td>
                <span className={`pill ${v.ok ? 'good' : 'bad'}`}>{v.ok ? 'verified' : 'FAILED'}</span>
                {v.missingKeys.length ? <div className="muted small">missing: {v.missingKeys.join(', ')}</div> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <dl className="facts">
        <dt>Run</dt><dd><code>{s.runId}</code> · {s.seconds.toFixed(1)} s</dd>
        <dt>Source</dt><dd><code>{s.source}</code></dd>
        <dt>Files</dt>
        <dd data-testid="migration-files">{s.files.total} in total: {s.files.staged} loaded, {s.files.rejected} rejected, {s.files.skipped} skipped</dd>
        <dt>Records</dt>
        <dd data-testid="migration-records">
          {s.records.read.toLocaleString()} read: {s.records.inserted.toLocaleString()} new, {s.records.updated.toLocaleString()} updated, {s.records.unchanged.toLocaleString()} unchanged, {s.records.superseded.toLocaleString()} superseded by a newer copy, {s.records.rejected.toLocaleString()} rejected
        </dd>
        <dt>Reject report</dt><dd><code>{s.rejectReport}</code></dd>
        {s.backup ? (<><dt>Source backup</dt><dd><code>{s.backup.file}</code> (SHA-256 <code>{s.backup.sha256}</code>)</dd></>) : null}
      </dl>
      <h3>Rejects</h3>
      {reasons.length ? (
        <>
          <table data-testid="rejects-by-reason">
            <thead><tr><th>Reason</th><th>Count</th></tr></thead>
            <tbody>{reasons.map(([r, n]) => <tr key={r}><td>{r}</td><td>{n.toLocaleString()}</td></tr>)}</tbody>
          </table>
          <RejectRows runId={s.runId} />
        </>
      ) : (
        <p className="muted" data-testid="no-rejects">No file or record was rejected.</p>
      )}
    </div>
  )
}

function RejectRows({ runId }: { runId: string }): React.JSX.Element {
  const rejects = useQuery({ queryKey: ['migration', 'rejects', runId], queryFn: () => api.migration.rejects({ runId, limit: REJECTS_IN_CSV }) })
  const [href, setHref] = useState<string | null>(null)
  const csv = rejects.data?.csv
  useEffect(() => {
    if (!csv) return
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }))
    setHref(url)
    return () => URL.revokeObjectURL(url)
  }, [csv])
  if (rejects.error) return <p className="bad" role="alert">{errorText(rejects.error)}</p>
  if (!rejects.data) return <p className="muted">Reading the rejects…</p>
  const { total, rows } = rejects.data
  return (
    <>
      <p className="row">
        <span className="muted">
          {rows.length > REJECTS_SHOWN ? `The first ${REJECTS_SHOWN} of ${total.toLocaleString()} rejects` : `${total.toLocaleString()} ${total === 1 ? 'reject' : 'rejects'}`}
        </span>
        {href ? <a href={href} download={`rejects-${runId}.csv`}>Download reject report (CSV)</a> : null}
        {total > rows.length ? <span className="muted small">(the CSV holds the first {rows.length.toLocaleString()}; the full report is the file above)</span> : null}
      </p>
      <table data-testid="reject-rows">
        <thead><tr><th>File</th><th>Position</th><th>Key</th><th>Reason</th></tr></thead>
        <tbody>
          {rows.slice(0, REJECTS_SHOWN).map((r, i) => (
            <tr key={i}><td className="path">{r.file}</td><td>{r.position}</td><td>{r.key ?? '—'}</td><td>{r.reason}</td></tr>
          ))}
        </tbody>
      </table>
    </>
  )
}

function SignOff({ summary, onRestart }: { summary: MigrationSummary; onRestart: () => void }): React.JSX.Element {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [comment, setComment] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [signed, setSigned] = useState<Signature | null>(null)
  const sign = async (e: FormEvent): Promise<void> => {
    e.preventDefault()
    setError(null)
    setBusy(true)
    try {
      setSigned(await api.audit.sign({ seq: summary.auditSeq, meaning: 'responsibility', username, password, comment: comment.trim() || undefined }))
    } catch (err) {
      setError(errorText(err))
    } finally {
      setPassword('')
      setBusy(false)
    }
  }
  if (signed)
    return (
      <div className="panel">
        <h2>5. Sign-off</h2>
        <p className="notice good-notice" role="status" data-testid="migration-signed">
          Signed by {signed.printedName} at {new Date(signed.signedAt).toLocaleString()} (meaning: {signed.meaning}; signature entry {signed.signatureSeq} on audit entry {signed.signedSeq}).
        </p>
        <div className="row"><button className="secondary" onClick={onRestart}>Import another source</button></div>
      </div>
    )
  return (
    <form className="panel" aria-label="Sign-off" onSubmit={(e) => void sign(e)}>
      <h2>5. Sign-off</h2>
      <p className="muted">
        The person who started the import signs the run (audit entry {summary.auditSeq}) with the meaning <strong>responsibility</strong>: re-enter your user name and password.
      </p>
      <div className="row wrap">
        <input aria-label="User name" placeholder="user name" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
        <input aria-label="Password" type="password" placeholder="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        <input aria-label="Comment (optional)" placeholder="comment (optional)" value={comment} onChange={(e) => setComment(e.target.value)} maxLength={2000} />
        <span className="pill muted" title="The meaning of this signature">meaning: responsibility</span>
        <button type="submit" disabled={busy}>{busy ? 'Signing…' : 'Sign'}</button>
      </div>
      {error ? <p className="bad" role="alert">{error}</p> : null}
    </form>
  )
}
