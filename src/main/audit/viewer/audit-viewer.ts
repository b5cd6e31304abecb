import type pg from 'pg'
import type { AuditEntry, AuditFilter, AuditRow } from '../../../shared/contracts/audit-viewer'
import type { Database } from '../../db/database'
import { StackError } from '../../stack/stack-error'
import { filterSql } from './filter-sql'

/** An entry with every stored field and its canonical text (what its hash covers), for exports. */
export interface FullEntry {
  seq: number
  ts: string
  userId: number | null
  username: string | null
  action: string
  targetType: string | null
  targetKey: string | null
  before: unknown
  after: unknown
  reason: string | null
  client: string
  segment: string
  prevHash: string
  hash: string
  canonical: string
}

const ROW_COLUMNS = `a.seq, a.ts, a.user_id, a.username, a.action, a.target_type, a.target_key, a.reason, a.client, a.segment,
  (SELECT count(*) FROM console.audit_log s WHERE s.target_type = 'audit' AND s.target_key = a.seq::text AND s.action = 'signature') AS signatures`

interface RowRecord {
  seq: string
  ts: Date
  user_id: string | null
  username: string | null
  action: string
  target_type: string | null
  target_key: string | null
  reason: string | null
  client: string
  segment: string
  signatures: string
}

const toRow = (r: RowRecord): AuditRow => ({
  seq: Number(r.seq), ts: r.ts.toISOString(), userId: r.user_id === null ? null : Number(r.user_id), username: r.username, action: r.action,
  targetType: r.target_type, targetKey: r.target_key, reason: r.reason, client: r.client, segment: r.segment, signatures: Number(r.signatures)
})

/** The facets a user can pick from; the column comes from this list only. */
const FACET_COLUMNS = { users: 'username', actions: 'action', targetTypes: 'target_type' } as const

/** Reads for the audit viewer: filtered pages in sequence (= time) order, by keyset on seq. */
export class AuditViewer {
  constructor(private readonly db: Database) {}

  async list(filter: AuditFilter, order: 'asc' | 'desc', after: number | null, limit: number): Promise<{ rows: AuditRow[]; next: number | null }> {
    const { where, params } = filterSql(filter)
    const cursor = after === null ? '' : ` AND a.seq ${order === 'desc' ? '<' : '>'} $${params.push(after)}`
    const r = await this.db.app().query<RowRecord>(
      `SELECT ${ROW_COLUMNS} FROM console.audit_log a WHERE ${where}${cursor} ORDER BY a.seq ${order === 'desc' ? 'DESC' : 'ASC'} LIMIT $${params.push(limit + 1)}`,
      params
    )
    const rows = r.rows.slice(0, limit).map(toRow)
    return { rows, next: r.rows.length > limit ? rows[rows.length - 1].seq : null }
  }

  async count(filter: AuditFilter, cap: number): Promise<{ count: number; capped: boolean }> {
    const { where, params } = filterSql(filter)
    const r = await this.db.app().query<{ n: string }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM console.audit_log a WHERE ${where} LIMIT $${params.push(cap + 1)}) x`,
      params
    )
    const n = Number(r.rows[0].n)
    return { count: Math.min(n, cap), capped: n > cap }
  }

  async entry(seq: number): Promise<AuditEntry> {
    const q = this.db.app()
    const r = await q.query<RowRecord & { before: unknown; after: unknown; prev_hash: string; hash: string; printed_name: string | null }>(
      `SELECT ${ROW_COLUMNS}, a.before, a.after, a.prev_hash, a.hash, u.printed_name
         FROM console.audit_log a LEFT JOIN console.users u ON u.id = a.user_id WHERE a.seq = $1`,
      [seq]
    )
    const e = r.rows[0]
    if (!e) throw new StackError('INVALID_REQUEST', `There is no audit entry ${seq}.`, 'Check the sequence number; the list shows every entry.')
    const sigs = await q.query<{ seq: string; ts: Date; user_id: string | null; username: string | null; after: Record<string, unknown> | null }>(
      `SELECT seq, ts, user_id, username, after FROM console.audit_log
        WHERE target_type = 'audit' AND target_key = $1 AND action = 'signature' ORDER BY seq`,
      [String(seq)]
    )
    let signs: AuditRow | null = null
    if (e.action === 'signature' && e.target_type === 'audit' && /^\d+$/.test(e.target_key ?? '')) {
      const t = await q.query<RowRecord>(`SELECT ${ROW_COLUMNS} FROM console.audit_log a WHERE a.seq = $1`, [Number(e.target_key)])
      signs = t.rows[0] ? toRow(t.rows[0]) : null
    }
    const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)
    return {
      ...toRow(e), printedName: e.printed_name, before: e.before, after: e.after, prevHash: e.prev_hash, hash: e.hash, signs,
      signedBy: sigs.rows.map((s) => ({
        seq: Number(s.seq), ts: s.ts.toISOString(), userId: s.user_id === null ? null : Number(s.user_id), username: s.username,
        printedName: str(s.after?.printedName), meaning: str(s.after?.meaning), comment: str(s.after?.comment),
        signedSeq: typeof s.after?.signedSeq === 'number' ? s.after.signedSeq : null, signedHash: str(s.after?.signedHash),
        hashMatches: s.after?.signedHash === e.hash
      }))
    }
  }

  /** Distinct values by a loose index scan (one index probe per value, not a scan of a million rows). */
  async facets(): Promise<{ users: string[]; actions: string[]; targetTypes: string[] }> {
    const out = { users: [] as string[], actions: [] as string[], targetTypes: [] as string[] }
    for (const [facet, col] of Object.entries(FACET_COLUMNS) as [keyof typeof FACET_COLUMNS, string][]) {
      const r = await this.db.app().query<{ v: string }>(
        `WITH RECURSIVE t(v, n) AS (
           (SELECT ${col}, 1 FROM console.audit_log WHERE ${col} IS NOT NULL ORDER BY ${col} LIMIT 1)
           UNION ALL
           SELECT (SELECT ${col} FROM console.audit_log WHERE ${col} > t.v ORDER BY ${col} LIMIT 1), n + 1 FROM t WHERE t.v IS NOT NULL AND n < 500
         ) SELECT v FROM t WHERE v IS NOT NULL`
      )
      out[facet] = r.rows.map((x) => x.v)
    }
    return out
  }

  /** Every matching entry with all fields, in chain order, in batches (exports of any size). */
  async *entries(filter: AuditFilter, client?: pg.ClientBase, batch = 2000): AsyncGenerator<FullEntry> {
    const q = client ?? this.db.bulk()
    let after = -1
    for (;;) {
      const { where, params } = filterSql(filter)
      const r = await q.query<{
        seq: string; ts_utc: string; user_id: string | null; username: string | null; action: string; target_type: string | null; target_key: string | null
        before: unknown; after: unknown; reason: string | null; client: string; segment: string; prev_hash: string; hash: string; canonical: string
      }>(
        `SELECT a.*, to_char(a.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts_utc, console.audit_canonical(a) AS canonical FROM console.audit_log a
          WHERE ${where} AND a.seq > $${params.push(after)} ORDER BY a.seq LIMIT $${params.push(batch)}`,
        params
      )
      for (const x of r.rows)
        yield {
          seq: Number(x.seq), ts: x.ts_utc, userId: x.user_id === null ? null : Number(x.user_id), username: x.username, action: x.action,
          targetType: x.target_type, targetKey: x.target_key, before: x.before, after: x.after, reason: x.reason, client: x.client, segment: x.segment,
          prevHash: x.prev_hash, hash: x.hash, canonical: x.canonical
        }
      if (r.rows.length < batch) return
      after = Number(r.rows[r.rows.length - 1].seq)
    }
  }
}
