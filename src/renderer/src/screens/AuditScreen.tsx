import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useVirtualizer } from '@tanstack/react-virtual'
import { useEffect, useMemo, useRef, useState } from 'react'
import type { AuditFilter, ExportFormat } from '../../../shared/contracts/audit-viewer'
import { api } from '../api/client'
import { errorText } from '../api/errors'
import { download } from './audit/download'
import { EntryDetail } from './audit/EntryDetail'
import { fromLocalInput, localTime, TIME_ZONE } from './audit/time'

const ROW_HEIGHT = 30
const PAGE = 200

interface Form {
  user: string
  action: string
  targetType: string
  targetKey: string
  from: string
  to: string
  text: string
  /** Jump: start the list at this entry (newest first: at or before it; oldest first: at or after it). */
  at: string
}
const EMPTY: Form = { user: '', action: '', targetType: '', targetKey: '', from: '', to: '', text: '', at: '' }

function toFilter(f: Form, order: 'asc' | 'desc'): AuditFilter {
  const t = (s: string): string | undefined => s.trim() || undefined
  const at = /^\d+$/.test(f.at.trim()) ? Number(f.at.trim()) : undefined
  return {
    users: t(f.user) ? [f.user.trim()] : undefined, actions: t(f.action) ? [f.action.trim()] : undefined,
    targetType: t(f.targetType), targetKey: t(f.targetKey), from: fromLocalInput(f.from), to: fromLocalInput(f.to), text: t(f.text),
    ...(at === undefined ? {} : order === 'desc' ? { toSeq: at } : { fromSeq: at })
  }
}

/** The Part 11 audit trail: filter, scroll (virtualised, keyset pages), inspect an entry, export. */
export function AuditScreen(): React.JSX.Element {
  const [form, setForm] = useState<Form>(EMPTY)
  const [filter, setFilter] = useState<AuditFilter>({})
  const [order, setOrder] = useState<'desc' | 'asc'>('desc')
  const [selected, setSelected] = useState<number | null>(null)
  const [message, setMessage] = useState<string | null>(null)
  const qc = useQueryClient()
  const facets = useQuery({ queryKey: ['audit', 'facets'], queryFn: () => api.audit.facets() })
  const count = useQuery({ queryKey: ['audit', 'count', filter], queryFn: () => api.audit.count({ filter, cap: 1_000_000 }) })
  const pages = useInfiniteQuery({
    queryKey: ['audit', 'list', filter, order],
    queryFn: ({ pageParam }) => api.audit.list({ filter, order, after: pageParam, limit: PAGE }),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.next
  })
  const rows = useMemo(() => pages.data?.pages.flatMap((p) => p.rows) ?? [], [pages.data])
  const scroller = useRef<HTMLDivElement>(null)
  const virtual = useVirtualizer({ count: rows.length + (pages.hasNextPage ? 1 : 0), getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 20 })
  const items = virtual.getVirtualItems()
  const lastIndex = items.length ? items[items.length - 1].index : 0
  useEffect(() => {
    // Fetch the next keyset page when the loader row scrolls into view.
    if (lastIndex >= rows.length - 1 && pages.hasNextPage && !pages.isFetchingNextPage) void pages.fetchNextPage()
  }, [lastIndex, rows.length, pages])

  const exporter = useMutation({
    mutationFn: (format: ExportFormat) => api.audit.export({ format, filter }),
    onSuccess: (r) => {
      download(r.filename, r.mimeType, r.base64)
      setMessage(`Exported ${r.entries} entries to ${r.filename} (SHA-256 ${r.sha256.slice(0, 16)}…); the export is audit entry ${r.auditSeq}.`)
      void qc.invalidateQueries({ queryKey: ['audit'] })
    },
    onError: (e) => setMessage(errorText(e))
  })

  const apply = (e?: React.FormEvent): void => {
    e?.preventDefault()
    setSelected(null)
    setFilter(toFilter(form, order))
  }

  return (
    <section className="audit">
      <header className="row">
        <h1>Audit trail</h1>
        <span className="spacer" />
        <span className="muted small">Times in {TIME_ZONE}</span>
      </header>
      <AuditChainBanner />
      <form className="panel audit-filters" aria-label="Filter the audit trail" onSubmit={apply}>
        <div className="row wrap">
          <label className="field">User
            <input list="audit-users" aria-label="User" value={form.user} onChange={(e) => setForm({ ...form, user: e.target.value })} placeholder="any" maxLength={100} />
          </label>
          <label className="field">Action
            <input list="audit-actions" aria-label="Action" value={form.action} onChange={(e) => setForm({ ...form, action: e.target.value })} placeholder="any (user. = all user actions)" maxLength={100} />
          </label>
          <label className="field">Target type
            <input list="audit-target-types" aria-label="Target type" value={form.targetType} onChange={(e) => setForm({ ...form, targetType: e.target.value })} placeholder="any" maxLength={100} />
          </label>
          <label className="field">Target key
            <input aria-label="Target key" value={form.targetKey} onChange={(e) => setForm({ ...form, targetKey: e.target.value })} placeholder="any" maxLength={500} />
          </label>
          <label className="field">From
            <input type="datetime-local" step="1" aria-label="From" value={form.from} onChange={(e) => setForm({ ...form, from: e.target.value })} />
          </label>
          <label className="field">To
            <input type="datetime-local" step="1" aria-label="To" value={form.to} onChange={(e) => setForm({ ...form, to: e.target.value })} />
          </label>
          <label className="field">Text
            <input type="search" aria-label="Text" value={form.text} onChange={(e) => setForm({ ...form, text: e.target.value })} placeholder="anywhere in the entry" maxLength={200} />
          </label>
          <label className="field">Go to entry
            <input inputMode="numeric" aria-label="Go to entry" value={form.at} onChange={(e) => setForm({ ...form, at: e.target.value.replace(/\D/g, '') })} placeholder="#" maxLength={16} />
          </label>
        </div>
        <div className="row">
          <button type="submit">Apply filter</button>
          <button type="button" className="secondary" onClick={() => { setForm(EMPTY); setFilter({}); setSelected(null) }}>Clear</button>
          <span className="spacer" />
          <button type="button" className="secondary" onClick={() => { const next = order === 'desc' ? 'asc' : 'desc'; setOrder(next); setFilter(toFilter(form, next)) }} aria-label="Sort by time">
            Time {order === 'desc' ? '↓ newest first' : '↑ oldest first'}
          </button>
          <span data-testid="audit-count">{count.data ? `${count.data.count.toLocaleString()}${count.data.capped ? '+' : ''} ${count.data.count === 1 ? 'entry' : 'entries'}` : '…'}</span>
          {(['pdf', 'csv', 'json'] as const).map((f) => (
            <button key={f} type="button" className="secondary" disabled={exporter.isPending} onClick={() => { setMessage(null); exporter.mutate(f) }}>Export {f.toUpperCase()}</button>
          ))}
        </div>
        <datalist id="audit-users">{facets.data?.users.map((u) => <option key={u} value={u} />)}</datalist>
        <datalist id="audit-actions">{facets.data?.actions.map((a) => <option key={a} value={a} />)}</datalist>
        <datalist id="audit-target-types">{facets.data?.targetTypes.map((t) => <option key={t} value={t} />)}</datalist>
      </form>
      {message ? <p className="notice" role="status" data-testid="audit-message">{message}</p> : null}
      {pages.error ? <p className="notice bad" role="alert">{errorText(pages.error)}</p> : null}
      <div className={`audit-body ${selected !== null ? 'with-detail' : ''}`}>
        <div className="audit-grid" role="grid" aria-label="Audit entries" aria-rowcount={count.data?.count ?? -1}>
          <div className="audit-row audit-head" role="row">
            <span role="columnheader">#</span><span role="columnheader">Time</span><span role="columnheader">User</span>
            <span role="columnheader">Action</span><span role="columnheader">Target</span><span role="columnheader">Reason</span>
          </div>
          <div className="audit-scroll" ref={scroller} data-testid="audit-scroll">
            <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
              {items.map((v) => {
                const r = rows[v.index]
                return (
                  <div
                    key={v.key} role="row" className={`audit-row ${r && r.seq === selected ? 'selected' : ''}`}
                    style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${v.start}px)` }}
                    data-seq={r?.seq} onClick={() => r && setSelected(r.seq)} tabIndex={r ? 0 : -1}
                    onKeyDown={(e) => { if (r && e.key === 'Enter') setSelected(r.seq) }}
                  >
                    {r ? (
                      <>
                        <span role="gridcell">{r.seq}</span>
                        <span role="gridcell" title={r.ts}>{localTime(r.ts)}</span>
                        <span role="gridcell">{r.username ?? '—'}</span>
                        <span role="gridcell" title={r.action}>{r.signatures ? <span className="pill good" title="signed">signed</span> : null}<code>{r.action}</code></span>
                        <span role="gridcell">{r.targetType ? `${r.targetType} ${r.targetKey ?? ''}` : ''}</span>
                        <span role="gridcell">{r.reason ?? ''}</span>
                      </>
                    ) : (
                      <span className="muted" role="gridcell">Loading more…</span>
                    )}
                  </div>
                )
              })}
            </div>
            {pages.isSuccess && rows.length === 0 ? <p className="muted" style={{ padding: 12 }}>No entries match this filter.</p> : null}
          </div>
        </div>
        {selected !== null ? <EntryDetail seq={selected} onOpen={setSelected} onClose={() => setSelected(null)} /> : null}
      </div>
    </section>
  )
}

/** Always visible on this screen: the chain verified up to entry N at T, or broken at N and why. */
function AuditChainBanner(): React.JSX.Element {
  const qc = useQueryClient()
  const chain = useQuery({ queryKey: ['audit', 'chain'], queryFn: () => api.audit.chain({ full: false }), refetchInterval: 30_000 })
  const full = useMutation({ mutationFn: () => api.audit.chain({ full: true }), onSuccess: (r) => qc.setQueryData(['audit', 'chain'], r) })
  const c = chain.data
  return (
    <div className={`notice ${c && !c.ok ? 'bad' : c ? 'good-notice' : ''} row`} data-testid="audit-chain-status" role={c && !c.ok ? 'alert' : 'status'}>
      <span>
        {chain.error ? `Chain status: ${errorText(chain.error)}` : !c ? 'Verifying the hash chain…' : c.ok
          ? `Chain verified up to entry ${c.head?.seq ?? '—'} (${c.head ? localTime(c.head.ts) : 'empty'}): ${c.checked.toLocaleString()} entries; checked ${localTime(c.verifiedAt)} (${c.mode})${c.lastFullAt ? `, last full check ${localTime(c.lastFullAt)}` : ''}.`
          : `Chain BROKEN at entry ${c.broken!.seq}: ${c.broken!.reason}`}
      </span>
      <span className="spacer" />
      <button className="secondary" disabled={full.isPending} onClick={() => full.mutate()}>{full.isPending ? 'Checking every entry…' : 'Full check'}</button>
    </div>
  )
}
