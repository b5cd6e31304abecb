import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type pg from 'pg'
import { writeFileAtomic } from '../../config/atomic-file'
import type { Database } from '../../db/database'

const GENESIS = '0'.repeat(64)

export interface ChainState {
  ok: boolean
  segment: string
  checked: number
  head: { segment: string; seq: number; hash: string; ts: string } | null
  broken: { seq: number; reason: string } | null
  verifiedAt: string
  mode: 'incremental' | 'full'
  lastFullAt: string | null
  seconds: number
}

/** What was verified last: the entry up to which the chain held, kept in the state directory. */
interface Checkpoint {
  database: string
  segment: string
  seq: number
  hash: string
  ts: string
  checked: number
  verifiedAt: string
  lastFullAt: string | null
}

/**
 * The always-visible chain status, fast at a million entries: it verifies from the last verified
 * entry on, after confirming that entry still carries the hash it had (so a chain rewritten from an
 * earlier entry shows as broken there). A full check from the first entry runs on request and when
 * the last one is older than `fullEveryMs`. The hashes are recomputed by the database in batches and
 * only mismatches cross the wire; `fda-offline audit verify` recomputes them independently in Node.
 */
export class ChainMonitor {
  private running: Promise<ChainState> | null = null
  private readonly file: string

  constructor(
    private readonly db: Database,
    home: string,
    private readonly opts: { fullEveryMs?: number; batch?: number } = {}
  ) {
    this.file = join(home, 'audit-chain.json')
  }

  status(full = false, segment = 'main'): Promise<ChainState> {
    this.running ??= this.check(full, segment).finally(() => (this.running = null))
    return this.running
  }

  private readCheckpoint(): Checkpoint | null {
    try {
      return existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as Checkpoint) : null
    } catch {
      return null
    }
  }

  private async check(forceFull: boolean, segment: string): Promise<ChainState> {
    const started = Date.now()
    const q = this.db.bulk()
    const database = await databaseIdentity(q)
    let cp = this.readCheckpoint()
    if (cp && (cp.database !== database || cp.segment !== segment)) cp = null
    const stale = !cp?.lastFullAt || Date.now() - Date.parse(cp.lastFullAt) > (this.opts.fullEveryMs ?? 6 * 3600_000)
    const full = forceFull || !cp || stale
    const done = (r: Omit<ChainState, 'verifiedAt' | 'mode' | 'lastFullAt' | 'seconds'>, lastFullAt: string | null): ChainState => ({
      ...r, verifiedAt: new Date().toISOString(), mode: full ? 'full' : 'incremental', lastFullAt, seconds: (Date.now() - started) / 1000
    })
    let start = { seq: 0, hash: GENESIS, checked: 0 }
    if (!full && cp) {
      const at = await q.query<{ hash: string; ok: boolean }>(
        `SELECT a.hash, a.hash = encode(sha256(convert_to(a.prev_hash || E'\\n' || console.audit_canonical(a), 'UTF8')), 'hex') AS ok
           FROM console.audit_log a WHERE a.seq = $1 AND a.segment = $2`,
        [cp.seq, segment]
      )
      const row = at.rows[0]
      const reason = !row
        ? `entry ${cp.seq}, verified at ${cp.verifiedAt}, is no longer in the trail: it was removed`
        : row.hash !== cp.hash
          ? `entry ${cp.seq} no longer has the hash it had when verified at ${cp.verifiedAt} (was ${cp.hash.slice(0, 12)}…, now ${row.hash.slice(0, 12)}…): the chain was rewritten from this entry or an earlier one`
          : !row.ok
            ? `its content does not match its hash: entry ${cp.seq} was altered`
            : null
      if (reason) return done({ ok: false, segment, checked: cp.checked, head: null, broken: { seq: cp.seq, reason } }, cp.lastFullAt)
      start = { seq: cp.seq, hash: cp.hash, checked: cp.checked }
    }
    const checked = await verifyFrom(q, segment, start, this.opts.batch ?? 20_000)
    // Nothing new since the checkpoint: its entry is still the head.
    const r = checked.ok && !checked.head && cp && !full ? { ...checked, head: { segment, seq: cp.seq, hash: cp.hash, ts: cp.ts } } : checked
    const lastFullAt = full ? (r.ok ? new Date().toISOString() : cp?.lastFullAt ?? null) : cp?.lastFullAt ?? null
    if (r.ok && r.head)
      writeFileAtomic(
        this.file,
        JSON.stringify({ database, segment, seq: r.head.seq, hash: r.head.hash, ts: r.head.ts, checked: r.checked, verifiedAt: new Date().toISOString(), lastFullAt } satisfies Checkpoint, null, 2),
        0o600
      )
    return done(r, lastFullAt)
  }
}

/** The database cluster's identity, so a checkpoint of another (re-created) stack is never trusted. */
async function databaseIdentity(q: pg.Pool): Promise<string> {
  const r = await q.query<{ id: string }>(
    "SELECT coalesce((SELECT hash FROM console.audit_log WHERE segment = 'main' ORDER BY seq LIMIT 1), '') || ':' || (SELECT oid::text FROM pg_database WHERE datname = current_database()) AS id"
  )
  return r.rows[0].id
}

/**
 * Recomputes hashes and links in the database, batch by batch, returning only the last row of each
 * batch and any row that does not verify; stops at the first one, naming it and what does not match.
 */
export async function verifyFrom(
  q: pg.Pool | pg.ClientBase,
  segment: string,
  start: { seq: number; hash: string; checked: number },
  batch: number
): Promise<Omit<ChainState, 'verifiedAt' | 'mode' | 'lastFullAt' | 'seconds'>> {
  let prev = start.hash
  let after = start.seq
  let checked = start.checked
  let head: ChainState['head'] = null
  for (;;) {
    const r = await q.query<{ seq: string; ts: Date; hash: string; prev_hash: string; computed: string; before_hash: string | null; n: string; pos: string }>(
      `WITH b AS (
         SELECT a.seq, a.ts, a.hash, a.prev_hash,
                encode(sha256(convert_to(a.prev_hash || E'\\n' || console.audit_canonical(a), 'UTF8')), 'hex') AS computed
           FROM console.audit_log a WHERE a.segment = $1 AND a.seq > $2 ORDER BY a.seq LIMIT $3
       ), l AS (
         SELECT b.*, lag(hash) OVER (ORDER BY seq) AS before_hash, row_number() OVER (ORDER BY seq DESC) AS rn, row_number() OVER (ORDER BY seq) AS pos, count(*) OVER () AS n FROM b
       )
       SELECT seq, ts, hash, prev_hash, computed, before_hash, n, pos FROM l
        WHERE rn = 1 OR before_hash IS NULL OR computed <> hash OR prev_hash <> before_hash ORDER BY seq`,
      [segment, after, batch]
    )
    if (!r.rows.length) break
    for (const row of r.rows) {
      const seq = Number(row.seq)
      const expectedPrev = row.before_hash ?? prev
      if (row.prev_hash !== expectedPrev) {
        const gap = await missingBefore(q, segment, seq)
        return {
          ok: false, segment, checked: checked + Number(row.pos) - 1, head,
          broken: { seq, reason: `its previous hash ${row.prev_hash.slice(0, 12)}… does not match the hash of the entry before it (${expectedPrev.slice(0, 12)}…): an entry before it was removed, reordered or altered${gap}` }
        }
      }
      if (row.computed !== row.hash)
        return {
          ok: false, segment, checked: checked + Number(row.pos) - 1, head,
          broken: { seq, reason: `its content does not match its hash (stored ${row.hash.slice(0, 12)}…, computed ${row.computed.slice(0, 12)}…): entry ${seq} was altered or moved` }
        }
      head = { segment, seq, hash: row.hash, ts: row.ts.toISOString() }
    }
    checked += Number(r.rows[0].n)
    prev = r.rows[r.rows.length - 1].hash
    after = Number(r.rows[r.rows.length - 1].seq)
    if (Number(r.rows[0].n) < batch) break
  }
  return { ok: true, segment, checked, head, broken: null }
}

/** Sequence numbers missing from every segment just before a broken link: a hint at a removed entry. */
async function missingBefore(q: pg.Pool | pg.ClientBase, segment: string, seq: number): Promise<string> {
  const r = await q.query<{ seq: string }>(
    `SELECT s AS seq FROM generate_series(
        coalesce((SELECT max(seq) FROM console.audit_log WHERE segment = $1 AND seq < $2), 0) + 1, $2::bigint - 1) s
      WHERE NOT EXISTS (SELECT 1 FROM console.audit_log WHERE seq = s) LIMIT 20`,
    [segment, seq]
  )
  return r.rows.length ? ` (no entry with sequence number ${r.rows.map((x) => x.seq).join(', ')} remains)` : ''
}
