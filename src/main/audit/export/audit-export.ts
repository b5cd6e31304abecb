import { createHash } from 'node:crypto'
import { PassThrough, type Writable } from 'node:stream'
import type { AuditFilter, ExportFormat } from '../../../shared/contracts/audit-viewer'
import type { Actor, Database } from '../../db/database'
import { StackError } from '../../stack/stack-error'
import type { AuditService } from '../audit-service'
import { describeFilter } from '../viewer/filter-sql'
import type { AuditViewer, FullEntry } from '../viewer/audit-viewer'
import { csvWriter, jsonWriter, pdfWriter, type EntryWriter, type ExportHeader } from './formats'

export const EXPORT_TYPES: Record<ExportFormat, { mime: string; ext: string }> = {
  pdf: { mime: 'application/pdf', ext: 'pdf' },
  csv: { mime: 'text/csv; charset=utf-8', ext: 'csv' },
  json: { mime: 'application/json', ext: 'json' }
}

/** A human-readable PDF is for people: beyond this many entries, narrow the filter or use CSV/JSON. */
export const PDF_MAX_ENTRIES = 5000

export interface ExportResult {
  entries: number
  bytes: number
  sha256: string
  auditSeq: number
  firstSeq: number | null
  lastSeq: number | null
}

interface Deps {
  db: Database
  audit: AuditService
  viewer: AuditViewer
}

/**
 * Writes an export of the filtered trail in chain order, then records the export itself in the trail
 * (format, filter, count, range, the file's SHA-256 and the chain head it was made against).
 */
export async function writeExport(deps: Deps, actor: Actor, format: ExportFormat, filter: AuditFilter, out: Writable, opts: { maxEntries?: number; destination?: string } = {}): Promise<ExportResult> {
  const max = Math.min(opts.maxEntries ?? Number.MAX_SAFE_INTEGER, format === 'pdf' ? PDF_MAX_ENTRIES : Number.MAX_SAFE_INTEGER)
  const n = await deps.viewer.count(filter, max)
  if (n.capped)
    throw new StackError(
      'INVALID_REQUEST',
      `The filter matches more than ${max} entries, too many for ${format === 'pdf' ? 'a readable PDF' : 'a download'}.`,
      format === 'pdf' ? 'Narrow the filter (time range, user, action), or export CSV or JSON.' : 'Narrow the filter, or use `fda-offline audit export --format ' + format + ' --out FILE`.'
    )
  const head = await deps.audit.head()
  const who = await deps.db.app().query<{ printed_name: string }>('SELECT printed_name FROM console.users WHERE id = $1', [actor.userId])
  const header: ExportHeader = {
    format: 'fda-offline-audit-export', version: 1, generatedAt: new Date().toISOString(),
    generatedBy: { userId: actor.userId, username: actor.username, printedName: who.rows[0]?.printed_name ?? null },
    filter, filterText: describeFilter(filter), chainHead: head
  }
  // Everything written passes through the digest on its way to the destination.
  const hash = createHash('sha256')
  let bytes = 0
  const tap = new PassThrough()
  tap.on('data', (c: Buffer) => {
    hash.update(c)
    bytes += c.length
  })
  tap.pipe(out)
  const w: EntryWriter = format === 'pdf' ? pdfWriter(tap) : format === 'csv' ? csvWriter(tap) : jsonWriter(tap)
  await w.begin(header)
  let count = 0
  let firstSeq: number | null = null
  let lastSeq: number | null = null
  const pending: FullEntry[] = []
  const flush = async (): Promise<void> => {
    const sigs = format === 'pdf' ? await signaturesOf(deps.db, pending.map((e) => e.seq)) : new Map<number, FullEntry[]>()
    for (const e of pending) await w.entry(e, sigs.get(e.seq) ?? [])
    pending.length = 0
  }
  // Only entries up to the head taken above, so the header's head is the export's upper bound.
  const bounded: AuditFilter = head ? { ...filter, toSeq: Math.min(filter.toSeq ?? head.seq, head.seq) } : filter
  for await (const e of deps.viewer.entries(bounded)) {
    firstSeq ??= e.seq
    lastSeq = e.seq
    count++
    pending.push(e)
    if (pending.length >= 500) await flush()
  }
  await flush()
  await w.end(count, { firstSeq, lastSeq })
  if (format !== 'pdf') tap.end()
  await new Promise<void>((resolve, reject) => {
    if (out.writableFinished) return resolve()
    out.once('finish', () => resolve())
    out.once('error', reject)
  })
  const sha256 = hash.digest('hex')
  const { seq } = await deps.audit.record(actor, {
    action: 'audit.export', targetType: 'audit-export', targetKey: `${format}:${sha256.slice(0, 16)}`,
    after: { format, filter, filterText: header.filterText, entries: count, firstSeq, lastSeq, bytes, sha256, chainHead: head, destination: opts.destination ?? 'download' }
  })
  return { entries: count, bytes, sha256, auditSeq: seq, firstSeq, lastSeq }
}

/** Signature entries naming any of these entries, for the PDF (the CSV and JSON carry them as entries). */
async function signaturesOf(db: Database, seqs: number[]): Promise<Map<number, FullEntry[]>> {
  const m = new Map<number, FullEntry[]>()
  if (!seqs.length) return m
  const r = await db.app().query<{ seq: string; ts: Date; user_id: string | null; username: string | null; after: unknown; reason: string | null; target_key: string; hash: string; prev_hash: string }>(
    `SELECT seq, ts, user_id, username, after, reason, target_key, hash, prev_hash FROM console.audit_log
      WHERE target_type = 'audit' AND action = 'signature' AND target_key = ANY($1::text[]) ORDER BY seq`,
    [seqs.map(String)]
  )
  for (const x of r.rows) {
    const k = Number(x.target_key)
    const list = m.get(k) ?? []
    list.push({
      seq: Number(x.seq), ts: x.ts.toISOString(), userId: x.user_id === null ? null : Number(x.user_id), username: x.username, action: 'signature',
      targetType: 'audit', targetKey: x.target_key, before: null, after: x.after, reason: x.reason, client: '', segment: 'main', prevHash: x.prev_hash, hash: x.hash, canonical: ''
    })
    m.set(k, list)
  }
  return m
}
