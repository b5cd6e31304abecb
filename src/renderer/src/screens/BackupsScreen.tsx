import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useMemo, useState } from 'react'
import { formatBytes } from '../../../shared/format'
import type { BackupEntry, ScheduleKind } from '../../../shared/schemas/backup'
import { api } from '../api/client'
import { errorText } from '../api/errors'
import { JobProgress } from '../components/JobProgress'
import './backup-calendar.css'

const DAY = 86_400_000
const dayKey = (d: Date): string => d.toISOString().slice(0, 10)
const TYPE_LABEL: Record<string, string> = { base: 'base', dump: 'dump', wal: 'WAL' }

/** The days shown for a month (UTC): Monday of its first week to Sunday of its last. */
function monthDays(year: number, month: number): Date[] {
  const first = new Date(Date.UTC(year, month, 1))
  const start = new Date(first.getTime() - ((first.getUTCDay() + 6) % 7) * DAY)
  const last = new Date(Date.UTC(year, month + 1, 0))
  const end = new Date(last.getTime() + ((7 - last.getUTCDay()) % 7) * DAY)
  const out: Date[] = []
  for (let t = start.getTime(); t <= end.getTime(); t += DAY) out.push(new Date(t))
  return out
}

/** Share of [from, to) covered by the recoverable ranges, as positioned segments (0–100 %); a moment (a backup without WAL after it yet) stays visible as a sliver. */
function coverage(ranges: { from: string; to: string }[], from: number, to: number): { left: number; width: number }[] {
  return ranges
    .map((r) => [Math.max(from, Date.parse(r.from)), Math.min(to, Date.parse(r.to))])
    .filter(([a, b]) => b >= a && a < to)
    .map(([a, b]) => ({ left: ((a - from) / (to - from)) * 100, width: Math.max(0.4, ((b - a) / (to - from)) * 100) }))
}

/** Backup calendar: backups per day, verification and drills, retention marks, the recoverable window, restore, schedules. */
export function BackupsScreen(): React.JSX.Element {
  const qc = useQueryClient()
  const catalog = useQuery({ queryKey: ['backup', 'catalog'], queryFn: () => api.backup.catalog(), refetchInterval: 30_000 })
  const now = new Date()
  const [month, setMonth] = useState({ y: now.getUTCFullYear(), m: now.getUTCMonth() })
  const [selected, setSelected] = useState<string>(dayKey(now))
  const [jobId, setJobId] = useState<string | null>(null)
  const [message, setMessage] = useState<string | null>(null)
  const start = useMutation({
    mutationFn: (fn: () => Promise<{ id: string }>) => fn(),
    onSuccess: (job) => { setMessage(null); setJobId(job.id) },
    onError: (e) => setMessage(errorText(e))
  })
  const byDay = useMemo(() => {
    const map = new Map<string, BackupEntry[]>()
    for (const b of catalog.data?.backups ?? []) {
      const k = b.manifest.stoppedAt.slice(0, 10)
      map.set(k, [...(map.get(k) ?? []), b])
    }
    return map
  }, [catalog.data])
  const ranges = catalog.data?.recoverable ?? []
  const days = monthDays(month.y, month.m)
  const monthStart = Date.UTC(month.y, month.m, 1)
  const monthEnd = Date.UTC(month.y, month.m + 1, 1)
  const title = new Date(monthStart).toLocaleString('en', { month: 'long', year: 'numeric', timeZone: 'UTC' })
  const shift = (n: number) => setMonth(({ y, m }) => ({ y: m + n < 0 ? y - 1 : m + n > 11 ? y + 1 : y, m: (m + n + 12) % 12 }))

  return (
    <section>
      <h1>Backups</h1>
      <div className="row wrap">
        <button onClick={() => start.mutate(() => api.backup.run({ type: 'base', verify: true }))}>Back up now</button>
        <button className="secondary" onClick={() => start.mutate(() => api.backup.run({ type: 'dump', verify: true }))}>Logical dump now</button>
        <button className="secondary" onClick={() => start.mutate(() => api.backup.run({ type: 'wal', verify: false }))}>Ship WAL now</button>
        <button className="secondary" onClick={() => start.mutate(() => api.backup.drill({}))}>Drill the newest backup</button>
        <span className="spacer" />
        <span className="muted small" data-testid="backup-destination">{catalog.data?.destination ?? ''}</span>
      </div>
      {message ? <p className="notice bad" role="alert">{message}</p> : null}
      {catalog.error ? <p className="notice bad" role="alert">{errorText(catalog.error)}</p> : null}
      {catalog.data?.problems.map((p) => <p key={p} className="notice bad">{p}</p>)}
      {jobId ? <JobProgress key={jobId} jobId={jobId} onEnd={() => void qc.invalidateQueries({ queryKey: ['backup'] })} /> : null}

      <div className="cal-head">
        <button className="secondary" aria-label="Previous month" onClick={() => shift(-1)}>‹</button>
        <h2 style={{ margin: 0 }} data-testid="calendar-month">{title}</h2>
        <button className="secondary" aria-label="Next month" onClick={() => shift(1)}>›</button>
        <span className="spacer" />
        <span className="legend">
          <span><span className="mark daily">D</span> daily</span><span><span className="mark weekly">W</span> weekly</span>
          <span><span className="mark monthly">M</span> monthly</span><span><span className="mark yearly">Y</span> yearly</span>
          <span><span className="mark window">R</span> recovery window</span><span style={{ color: '#2f9e5b' }}>■ recoverable to any moment</span>
        </span>
      </div>
      <div className="month-band" data-testid="recoverable-band" title={ranges.map((r) => `${r.from} … ${r.to}`).join('\n') || 'nothing recoverable yet'}>
        {coverage(ranges, monthStart, monthEnd).map((s, i) => <span key={i} style={{ left: `${s.left}%`, width: `${s.width}%` }} />)}
      </div>
      <div className="cal-grid" role="grid" aria-label={`Backups in ${title}`}>
        {['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((d) => <div key={d} className="cal-dow">{d}</div>)}
        {days.map((d) => {
          const k = dayKey(d)
          const items = (byDay.get(k) ?? []).filter((b) => b.manifest.type !== 'wal')
          const wal = (byDay.get(k) ?? []).filter((b) => b.manifest.type === 'wal').length
          return (
            <button key={k} role="gridcell" data-testid={`calendar-day-${k}`} aria-selected={k === selected}
              className={`cal-day${d.getUTCMonth() !== month.m ? ' other' : ''}${k === dayKey(now) ? ' today' : ''}${k === selected ? ' selected' : ''}`}
              onClick={() => setSelected(k)}>
              <span className="num">{d.getUTCDate()}</span>
              {items.map((b) => <DayItem key={b.manifest.id} b={b} />)}
              {wal ? <span className="cal-item muted">{wal} WAL bundle{wal > 1 ? 's' : ''}</span> : null}
              <span className="band">{coverage(ranges, d.getTime(), d.getTime() + DAY).map((s, i) => <span key={i} style={{ left: `${s.left}%`, width: `${s.width}%` }} />)}</span>
            </button>
          )
        })}
      </div>
      <DayDetails day={selected} entries={byDay.get(selected) ?? []} ranges={ranges} onJob={(fn) => start.mutate(fn)} />
      <Schedules />
      <Retention />
      <Drills />
    </section>
  )
}

function DayItem({ b }: { b: BackupEntry }): React.JSX.Element {
  const m = b.manifest
  const bytes = m.artifacts.reduce((n, a) => n + a.storedBytes, 0)
  const drill = b.drills.at(-1)
  const prune = b.retention && !b.retention.keep
  return (
    <span className={`cal-item${prune ? ' prune' : ''}`} data-testid={`backup-${m.id}`} data-type={m.type}
      data-verified={b.verified?.ok ? 'true' : b.verified ? 'failed' : 'false'} title={b.retention?.reason ?? ''}>
      <span className="t">{TYPE_LABEL[m.type]}</span>
      <span>{formatBytes(bytes)}</span>
      {b.verified ? <span className={`pill ${b.verified.ok ? 'good' : 'bad'}`}>{b.verified.ok ? 'verified' : 'verify failed'}</span> : <span className="pill muted">not verified</span>}
      {drill ? <span className={`pill ${drill.ok ? 'good' : 'bad'}`}>drill {drill.ok ? 'ok' : 'failed'}</span> : null}
      {b.retention?.marks.filter((x) => x !== 'newest' && x !== 'wal').map((x) => <span key={x} className={`mark ${x}`}>{x === 'window' ? 'R' : x[0].toUpperCase()}</span>)}
      {prune ? <span className="mark">prune</span> : null}
    </span>
  )
}

function DayDetails({ day, entries, ranges, onJob }: { day: string; entries: BackupEntry[]; ranges: { from: string; to: string }[]; onJob: (fn: () => Promise<{ id: string }>) => void }): React.JSX.Element {
  const dayStart = Date.parse(`${day}T00:00:00Z`)
  const covered = ranges.map((r) => ({ from: Math.max(dayStart, Date.parse(r.from)), to: Math.min(dayStart + DAY, Date.parse(r.to), Date.now()) })).filter((r) => r.to >= r.from)
  const [time, setTime] = useState('')
  const [into, setInto] = useState<'green' | 'scratch'>('scratch')
  const [sign, setSign] = useState({ username: '', password: '', comment: '' })
  const iso = time ? new Date(`${time}Z`).toISOString() : ''
  const inside = iso !== '' && covered.some((r) => Date.parse(iso) >= r.from && Date.parse(iso) <= r.to)
  const local = (t: number) => new Date(t).toISOString().slice(0, 19)
  return (
    <div className="panel" data-testid="day-details">
      <h2>{day} (UTC)</h2>
      {entries.length === 0 ? <p className="muted">No backups on this day.</p> : (
        <table>
          <thead><tr><th>Backup</th><th>Type</th><th>Time range</th><th>LSN</th><th>Size</th><th>Verified</th><th>Retention</th><th /></tr></thead>
          <tbody>
            {entries.map((b) => {
              const m = b.manifest
              return (
                <tr key={m.id}>
                  <td><code>{m.id}</code><div className="small muted">PostgreSQL {m.postgresVersion}{m.schemaVersion ? `, schema ${m.schemaVersion}` : ''}{m.auditHead ? `, audit head ${m.auditHead.seq} ${m.auditHead.hash.slice(0, 12)}…` : ''}</div></td>
                  <td>{TYPE_LABEL[m.type]}{m.type === 'wal' ? ` (${m.walSegments.length} files)` : ''}</td>
                  <td className="small">{m.startedAt.slice(11, 19)}–{m.stoppedAt.slice(11, 19)}</td>
                  <td className="small">{m.startLsn ?? '—'}{m.stopLsn && m.stopLsn !== m.startLsn ? ` → ${m.stopLsn}` : ''}</td>
                  <td>{formatBytes(m.artifacts.reduce((n, a) => n + a.storedBytes, 0))}</td>
                  <td className="small">{b.verified ? <span className={b.verified.ok ? '' : 'bad'} title={b.verified.detail}>{b.verified.ok ? 'verified' : 'FAILED'} {b.verified.at.slice(0, 16)}</span> : 'not yet'}</td>
                  <td className="small" title={b.retention?.reason}>{b.retention ? (b.retention.keep ? b.retention.marks.join(', ') : 'due for pruning') : ''}</td>
                  <td className="actions">
                    <button className="secondary" onClick={() => onJob(() => api.backup.verify({ id: m.id }))}>Verify now</button>
                    {m.type !== 'wal' ? <button className="secondary" onClick={() => onJob(() => api.backup.drill({ id: m.id }))}>Drill</button> : null}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      <h3>Restore to a moment of this day</h3>
      {covered.length === 0 ? <p className="muted">No moment of this day is covered by a base backup and continuous WAL.</p> : (
        <form className="row wrap" aria-label="Restore" onSubmit={(e) => {
          e.preventDefault()
          onJob(() => api.backup.restore({ time: iso, into, username: sign.username, password: sign.password, comment: sign.comment || undefined }))
          setSign({ ...sign, password: '' })
        }}>
          <span className="small muted">recoverable: {covered.map((r) => `${local(r.from).slice(11)}–${local(r.to).slice(11)}`).join(', ')} UTC</span>
          <input aria-label="Restore time (UTC)" type="datetime-local" step={1} min={local(covered[0].from)} max={local(covered.at(-1)!.to)} value={time} onChange={(e) => setTime(e.target.value)} required />
          <select aria-label="Restore into" value={into} onChange={(e) => setInto(e.target.value as 'green' | 'scratch')}>
            <option value="scratch">scratch container</option>
            <option value="green">GREEN (then promote in Blue-Green)</option>
          </select>
          <input aria-label="Your user name" placeholder="user name" value={sign.username} onChange={(e) => setSign({ ...sign, username: e.target.value })} required />
          <input aria-label="Your password" type="password" placeholder="password" autoComplete="current-password" value={sign.password} onChange={(e) => setSign({ ...sign, password: e.target.value })} required />
          <input aria-label="Reason" placeholder="reason" value={sign.comment} onChange={(e) => setSign({ ...sign, comment: e.target.value })} />
          <button type="submit" disabled={!inside}>Sign and restore</button>
          <span className="small muted">Signing means you take responsibility for this restore (21 CFR 11.50).</span>
        </form>
      )}
    </div>
  )
}

function Schedules(): React.JSX.Element {
  const qc = useQueryClient()
  const cfg = useQuery({ queryKey: ['backup', 'config'], queryFn: () => api.backup.config() })
  const [edit, setEdit] = useState<Partial<Record<ScheduleKind, string>>>({})
  const [message, setMessage] = useState<string | null>(null)
  if (!cfg.data) return <div className="panel"><h2>Schedules</h2><p className="muted">{cfg.error ? errorText(cfg.error) : 'Loading…'}</p></div>
  const kinds: [ScheduleKind, string][] = [['base', 'Base backup'], ['dump', 'Logical dump'], ['drill', 'Restore drill'], ['wal', 'WAL shipping']]
  return (
    <div className="panel" data-testid="schedules">
      <h2>Schedules (cron, UTC)</h2>
      {message ? <p className="notice">{message}</p> : null}
      <table>
        <thead><tr><th>What</th><th>Cron</th><th>Next runs</th><th /></tr></thead>
        <tbody>
          {kinds.map(([k, label]) => {
            const value = edit[k] ?? cfg.data.schedules[k] ?? ''
            return (
              <tr key={k}>
                <td>{label}</td>
                <td><input aria-label={`${label} schedule`} value={value} placeholder="off" onChange={(e) => setEdit({ ...edit, [k]: e.target.value })} /></td>
                <td className="small"><NextRuns cron={value} /></td>
                <td><button className="secondary" onClick={() => {
                  api.backup.setSchedule({ kind: k, cron: value.trim() === '' ? null : value.trim() })
                    .then(() => { setMessage(`${label}: ${value || 'off'}`); void qc.invalidateQueries({ queryKey: ['backup', 'config'] }) })
                    .catch((e) => setMessage(errorText(e)))
                }}>Save</button></td>
              </tr>
            )
          })}
        </tbody>
      </table>
      <p className="small muted">Destination: {cfg.data.destinationDescription}. Encrypted to {cfg.data.recipients.map((r) => `${r.fingerprint.slice(-16)} (${r.userIds.join(', ')})`).join('; ') || 'the console key (made at the first backup)'}; {cfg.data.compression} level {cfg.data.compressionLevel}.</p>
    </div>
  )
}

function NextRuns({ cron }: { cron: string }): React.JSX.Element {
  const q = useQuery({ queryKey: ['backup', 'preview', cron], queryFn: () => api.backup.previewSchedule({ cron, count: 5 }), enabled: cron.trim() !== '', retry: false })
  if (cron.trim() === '') return <span className="muted">off</span>
  if (q.error) return <span className="bad">{errorText(q.error)}</span>
  return <span>{q.data?.next.map((t) => t.slice(0, 16).replace('T', ' ')).join(' · ')}</span>
}

function Retention(): React.JSX.Element {
  const cfg = useQuery({ queryKey: ['backup', 'config'], queryFn: () => api.backup.config() })
  const dry = useMutation({ mutationFn: () => api.backup.prune({ dryRun: true }) })
  const r = cfg.data?.retention
  return (
    <div className="panel">
      <h2>Retention</h2>
      <p>{r ? `Newest backup of each of the last ${r.daily} days, ${r.weekly} weeks, ${r.monthly} months and ${r.yearly} years (UTC); WAL back to the oldest kept base backup; never the only backup that restores the start of the ${r.daily}-day window.` : ''}</p>
      <div className="row"><button className="secondary" onClick={() => dry.mutate()}>What would be pruned? (dry run)</button></div>
      {dry.data ? (
        <ul data-testid="prune-dry-run">
          {dry.data.filter((d) => !d.keep).map((d) => <li key={d.id}><code>{d.id}</code> {d.reason}</li>)}
          {dry.data.every((d) => d.keep) ? <li>Nothing: every backup is kept.</li> : null}
        </ul>
      ) : null}
    </div>
  )
}

function Drills(): React.JSX.Element {
  const drills = useQuery({ queryKey: ['backup', 'drills'], queryFn: () => api.backup.drills(), refetchInterval: 30_000 })
  return (
    <div className="panel">
      <h2>Restore drills and restores (evidence)</h2>
      {drills.data?.length ? (
        <table>
          <thead><tr><th>When</th><th>Backup</th><th>Into</th><th>Target</th><th>RTO</th><th>RPO</th><th>Result</th></tr></thead>
          <tbody>
            {drills.data.slice(0, 30).map((d) => (
              <tr key={d.id}>
                <td className="small">{d.finishedAt.slice(0, 19).replace('T', ' ')}</td>
                <td><code className="small">{d.backupId}</code></td>
                <td>{d.kind} → {d.into}</td>
                <td className="small">{d.targetTime ?? 'backup end'}</td>
                <td>{d.rtoSeconds.toFixed(1)} s</td>
                <td>{d.rpoSeconds === null ? '—' : `${d.rpoSeconds.toFixed(1)} s`}</td>
                <td>
                  <details><summary className={d.ok ? '' : 'bad'}>{d.ok ? 'all checks pass' : 'FAILED'}</summary>
                    <ul className="checks small">{d.checks.map((c) => <li key={c.name} className={c.ok ? '' : 'fail'}>{c.name}: {c.detail}</li>)}</ul>
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : <p className="muted">No drills yet.</p>}
    </div>
  )
}
