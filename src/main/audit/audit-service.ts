import { createHash } from 'node:crypto'
import type pg from 'pg'
import type { Actor, Database } from '../db/database'

export interface AuditEntryInput {
  action: string
  targetType?: string | null
  targetKey?: string | null
  before?: unknown
  after?: unknown
  reason?: string | null
  segment?: string
}

export interface ChainHead {
  segment: string
  seq: number
  hash: string
  ts: string
}

export interface ChainVerification {
  ok: boolean
  segment: string
  checked: number
  head: ChainHead | null
  /** The first entry that does not verify, and what does not match. */
  broken: { seq: number; reason: string } | null
}

const GENESIS = '0'.repeat(64)

/**
 * The one way anything is written to the audit trail. The database assigns the sequence number,
 * the time and the hash chain (console.audit_chain); this service supplies who, what and why.
 */
export class AuditService {
  constructor(private readonly db: Database) {}

  /** Writes one entry, inside the caller's transaction when one is given. */
  async record(actor: Actor, e: AuditEntryInput, client?: pg.ClientBase): Promise<{ seq: number; hash: string }> {
    const q = client ?? this.db.app()
    const r = await q.query<{ seq: string; hash: string }>(
      `INSERT INTO console.audit_log (seq, ts, user_id, username, action, target_type, target_key, before, after, reason, client, segment, prev_hash, hash)
       VALUES (0, now(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', '') RETURNING seq, hash`,
      [
        actor.userId, actor.username, e.action, e.targetType ?? null, e.targetKey ?? null,
        e.before === undefined ? null : JSON.stringify(e.before), e.after === undefined ? null : JSON.stringify(e.after),
        e.reason ?? actor.reason ?? null, actor.client, e.segment ?? 'main'
      ]
    )
    return { seq: Number(r.rows[0].seq), hash: r.rows[0].hash }
  }

  async head(segment = 'main', client?: pg.ClientBase): Promise<ChainHead | null> {
    const q = client ?? this.db.app()
    const r = await q.query<{ seq: string; hash: string; ts: Date }>(
      'SELECT seq, hash, ts FROM console.audit_log WHERE segment = $1 ORDER BY seq DESC LIMIT 1',
      [segment]
    )
    const row = r.rows[0]
    return row ? { segment, seq: Number(row.seq), hash: row.hash, ts: row.ts.toISOString() } : null
  }

  /**
   * Recomputes every entry's hash from its canonical form and the previous entry's hash, in
   * sequence order, in batches (a million entries never sit in memory). Stops at the first entry
   * that does not verify.
   */
  async verify(opts: { segment?: string; batch?: number; client?: pg.ClientBase; onProgress?: (checked: number) => void } = {}): Promise<ChainVerification> {
    const segment = opts.segment ?? 'main'
    const q = opts.client ?? this.db.app()
    let prev = GENESIS
    let after = 0
    let checked = 0
    let head: ChainHead | null = null
    for (;;) {
      const r = await q.query<{ seq: string; hash: string; prev_hash: string; ts: Date; canonical: string }>(
        `SELECT a.seq, a.hash, a.prev_hash, a.ts, console.audit_canonical(a) AS canonical
           FROM console.audit_log a WHERE a.segment = $1 AND a.seq > $2 ORDER BY a.seq LIMIT $3`,
        [segment, after, opts.batch ?? 5000]
      )
      if (r.rows.length === 0) break
      for (const row of r.rows) {
        const seq = Number(row.seq)
        if (row.prev_hash !== prev)
          return { ok: false, segment, checked, head, broken: { seq, reason: `its previous hash ${row.prev_hash.slice(0, 12)}… does not match the hash of the entry before it (${prev.slice(0, 12)}…): an entry was removed or altered` } }
        const expected = createHash('sha256').update(`${row.prev_hash}\n${row.canonical}`, 'utf8').digest('hex')
        if (expected !== row.hash)
          return { ok: false, segment, checked, head, broken: { seq, reason: `its content does not match its hash (stored ${row.hash.slice(0, 12)}…, computed ${expected.slice(0, 12)}…): the entry was altered` } }
        prev = row.hash
        checked++
        head = { segment, seq, hash: row.hash, ts: row.ts.toISOString() }
        after = seq
      }
      opts.onProgress?.(checked)
    }
    return { ok: true, segment, checked, head, broken: null }
  }
}
