import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { diffLines } from '../../../../shared/audit-diff'
import { api } from '../../api/client'
import { errorText } from '../../api/errors'
import { localTime, TIME_ZONE, utcTime } from './time'

/** One entry: who, when (your zone and UTC), what, the difference, reason, signatures, hashes. */
export function EntryDetail({ seq, onOpen, onClose }: { seq: number; onOpen: (seq: number) => void; onClose: () => void }): React.JSX.Element {
  const entry = useQuery({ queryKey: ['audit', 'entry', seq], queryFn: () => api.audit.entry({ seq }) })
  const e = entry.data
  return (
    <aside className="panel audit-detail" aria-label={`Audit entry ${seq}`} data-testid="audit-entry">
      <div className="row">
        <h2>Entry {seq}</h2>
        <span className="spacer" />
        <button className="secondary" onClick={onClose}>Close</button>
      </div>
      {entry.error ? <p className="bad" role="alert">{errorText(entry.error)}</p> : null}
      {!e ? <p className="muted">Loading…</p> : (
        <>
          <dl className="facts">
            <dt>Who</dt>
            <dd data-testid="entry-who">{e.printedName ?? e.username ?? '—'}{e.userId !== null ? ` (${e.username}, user id ${e.userId})` : ''}</dd>
            <dt>When</dt>
            <dd data-testid="entry-when">{localTime(e.ts)} <span className="muted">({TIME_ZONE})</span> · {utcTime(e.ts)}</dd>
            <dt>What</dt>
            <dd data-testid="entry-what"><code>{e.action}</code>{e.targetType ? <> on {e.targetType} <code>{e.targetKey ?? ''}</code></> : null}</dd>
            <dt>Reason / meaning</dt>
            <dd>{e.reason ?? '—'}</dd>
            <dt>Client · segment</dt>
            <dd>{e.client} · {e.segment}</dd>
          </dl>
          {e.signs ? (
            <p>
              This is an electronic signature of entry{' '}
              <button className="link-dark" onClick={() => onOpen(e.signs!.seq)}>{e.signs.seq} ({e.signs.action})</button>.
            </p>
          ) : null}
          <h3>Difference</h3>
          <Diff before={e.before} after={e.after} />
          <h3>Signatures</h3>
          {e.signedBy.length === 0 ? <p className="muted">Not signed.</p> : (
            <ul className="signatures" data-testid="entry-signatures">
              {e.signedBy.map((s) => (
                <li key={s.seq}>
                  <button className="link-dark" onClick={() => onOpen(s.seq)} aria-label={`Open signature ${s.seq}`}>
                    Signed ({s.meaning}) by {s.printedName} ({s.username}) at {localTime(s.ts)}
                  </button>
                  {s.comment ? <span className="muted"> — “{s.comment}”</span> : null}{' '}
                  {s.hashMatches ? <span className="pill good">hash matches</span> : <span className="pill bad">signed a different hash</span>}
                </li>
              ))}
            </ul>
          )}
          {e.action !== 'signature' ? <SignForm seq={e.seq} /> : null}
          <h3>Hashes</h3>
          <dl className="facts hashes">
            <dt>Entry hash</dt>
            <dd><code data-testid="entry-hash">{e.hash}</code></dd>
            <dt>Previous hash</dt>
            <dd><code>{e.prevHash}</code></dd>
          </dl>
        </>
      )}
    </aside>
  )
}

function Diff({ before, after }: { before: unknown; after: unknown }): React.JSX.Element {
  const lines = diffLines(before, after)
  if (!lines.length) return <p className="muted">No before/after recorded.</p>
  const both = before !== null && before !== undefined && after !== null && after !== undefined
  return (
    <table className="diff" data-testid="entry-diff">
      <thead><tr><th>Field</th>{both || before ? <th>Before</th> : null}{both || after ? <th>After</th> : null}</tr></thead>
      <tbody>
        {lines.map((l) => (
          <tr key={l.path} className={`diff-${l.kind}`}>
            <td><code>{l.path}</code></td>
            {both || before ? <td>{l.before ?? <span className="muted">—</span>}</td> : null}
            {both || after ? <td>{l.after ?? <span className="muted">—</span>}</td> : null}
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** An electronic signature on this entry: user name and password again, and the meaning. */
function SignForm({ seq }: { seq: number }): React.JSX.Element {
  const qc = useQueryClient()
  const [f, setF] = useState({ username: '', password: '', meaning: 'approval' as 'approval' | 'review' | 'responsibility', comment: '' })
  const sign = useMutation({
    mutationFn: () => api.audit.sign({ seq, meaning: f.meaning, username: f.username, password: f.password, comment: f.comment || undefined }),
    onSettled: () => setF((x) => ({ ...x, password: '' })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['audit'] })
  })
  return (
    <form className="sign-form" aria-label="Sign this entry" onSubmit={(e) => { e.preventDefault(); sign.mutate() }}>
      <h3>Sign this entry</h3>
      <div className="row wrap">
        <input aria-label="Signer user name" placeholder="your user name" autoComplete="username" value={f.username} onChange={(e) => setF({ ...f, username: e.target.value })} required maxLength={63} />
        <input aria-label="Signer password" type="password" placeholder="your password" autoComplete="current-password" value={f.password} onChange={(e) => setF({ ...f, password: e.target.value })} required maxLength={1024} />
        <select aria-label="Meaning" value={f.meaning} onChange={(e) => setF({ ...f, meaning: e.target.value as 'approval' })}>
          <option value="approval">approval</option>
          <option value="review">review</option>
          <option value="responsibility">responsibility</option>
        </select>
        <input aria-label="Comment" placeholder="comment (optional)" value={f.comment} onChange={(e) => setF({ ...f, comment: e.target.value })} maxLength={2000} />
        <button type="submit" disabled={sign.isPending}>Sign</button>
      </div>
      {sign.error ? <p className="bad" role="alert">{errorText(sign.error)}</p> : null}
      {sign.data ? <p className="notice good-notice" role="status">Signed by {sign.data.printedName} ({sign.data.meaning}) at {localTime(sign.data.signedAt)}: entry {sign.data.signatureSeq}.</p> : null}
    </form>
  )
}
