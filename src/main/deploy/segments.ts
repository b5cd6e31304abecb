import type pg from 'pg'
import type { AuditService } from '../audit/audit-service'
import type { Actor } from '../db/database'

/**
 * Audit segments other than the main chain (a refresh's `refresh-<job>`, a standby's own
 * `standby-<color>`) are anchored in the main chain by `segment.seal` entries holding the segment's
 * head (sequence number, hash) and entry count, written on the live color before a switch
 * (docs/AUDIT.md, "One history across blue-green switches").
 */
export interface SegmentHead {
  segment: string
  entries: number
  headSeq: number
  headHash: string
}

export async function segmentHeads(c: pg.ClientBase): Promise<SegmentHead[]> {
  const r = await c.query<{ segment: string; entries: string; seq: string; hash: string }>(
    `SELECT DISTINCT ON (segment) segment, count(*) OVER (PARTITION BY segment)::text AS entries, seq::text, hash
       FROM console.audit_log WHERE segment <> 'main' ORDER BY segment, seq DESC`
  )
  return r.rows.map((x) => ({ segment: x.segment, entries: Number(x.entries), headSeq: Number(x.seq), headHash: x.hash }))
}

/** Seals every segment whose current head is not sealed yet; returns the segments sealed. */
export async function sealSegments(audit: AuditService, actor: Actor, live: pg.ClientBase, heads: SegmentHead[]): Promise<string[]> {
  const sealed = new Set(
    (await live.query<{ h: string }>(`SELECT after->>'headHash' AS h FROM console.audit_log WHERE segment = 'main' AND action = 'segment.seal'`)).rows.map((x) => x.h)
  )
  const out: string[] = []
  for (const h of heads) {
    if (sealed.has(h.headHash)) continue
    await audit.record(actor, { action: 'segment.seal', targetType: 'audit-segment', targetKey: h.segment, after: h }, live)
    out.push(h.segment)
  }
  return out
}

/**
 * Every seal in the main chain against its segment: the segment's chain verifies up to the sealed
 * head, and the entry at the sealed sequence number has the sealed hash and position.
 */
export async function verifySealedSegments(audit: AuditService, c: pg.ClientBase): Promise<{ ok: boolean; checked: number; problems: string[] }> {
  const seals = await c.query<{ seq: string; after: SegmentHead }>(`SELECT seq::text, after FROM console.audit_log WHERE segment = 'main' AND action = 'segment.seal' ORDER BY seq`)
  const problems: string[] = []
  const verified = new Map<string, Awaited<ReturnType<AuditService['verify']>>>()
  for (const s of seals.rows) {
    const seal = s.after
    const v = verified.get(seal.segment) ?? (await audit.verify({ segment: seal.segment, client: c }))
    verified.set(seal.segment, v)
    if (!v.ok && (v.broken?.seq ?? Infinity) <= seal.headSeq) problems.push(`segment ${seal.segment} is broken at entry ${v.broken?.seq}: ${v.broken?.reason}`)
    const at = await c.query<{ hash: string; n: string }>(
      `SELECT hash, (SELECT count(*) FROM console.audit_log WHERE segment = $1 AND seq <= $2)::text AS n FROM console.audit_log WHERE segment = $1 AND seq = $2`,
      [seal.segment, seal.headSeq]
    )
    if (!at.rows[0]) problems.push(`segment ${seal.segment}: the sealed entry ${seal.headSeq} (seal ${s.seq}) is missing`)
    else if (at.rows[0].hash !== seal.headHash) problems.push(`segment ${seal.segment}: entry ${seal.headSeq} does not have the sealed hash (seal ${s.seq})`)
    else if (Number(at.rows[0].n) !== seal.entries) problems.push(`segment ${seal.segment}: ${at.rows[0].n} entries up to ${seal.headSeq}, the seal says ${seal.entries}`)
  }
  return { ok: problems.length === 0, checked: seals.rows.length, problems }
}
