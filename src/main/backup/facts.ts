import type pg from 'pg'
import { ENDPOINTS, ENDPOINT_DEFS } from '../openfda/endpoints'

/** Rows and an order-independent digest of the stored record checksums, per endpoint (tables from the allow-list). */
export async function endpointFacts(c: pg.ClientBase): Promise<Record<string, { rows: number; digest: string }>> {
  const out: Record<string, { rows: number; digest: string }> = {}
  for (const e of ENDPOINTS) {
    const r = await c.query<{ rows: string; digest: string }>(
      `SELECT count(*) AS rows, coalesce(sum(('x' || substr(checksum, 1, 15))::bit(60)::bigint), 0)::text AS digest FROM openfda.${ENDPOINT_DEFS[e].table}`
    )
    out[e] = { rows: Number(r.rows[0].rows), digest: r.rows[0].digest }
  }
  return out
}

export async function serverFacts(c: pg.ClientBase): Promise<{ postgresVersion: string; schemaVersion: string | null; auditHead: { seq: number; hash: string; ts: string } | null }> {
  const v = await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")
  const s = await c.query<{ v: number | null }>('SELECT max(version) AS v FROM console.schema_migrations').catch(() => ({ rows: [{ v: null }] }))
  const h = await c.query<{ seq: string; hash: string; ts: Date }>("SELECT seq, hash, ts FROM console.audit_log WHERE segment = 'main' ORDER BY seq DESC LIMIT 1")
  const head = h.rows[0] ? { seq: Number(h.rows[0].seq), hash: h.rows[0].hash, ts: h.rows[0].ts.toISOString() } : null
  return { postgresVersion: v.rows[0].v, schemaVersion: s.rows[0].v === null ? null : String(s.rows[0].v).padStart(4, '0'), auditHead: head }
}

/** LSN "X/Y" → WAL segment file name on a timeline (16 MiB segments). */
export function segmentOf(lsn: string, timeline: number): string {
  const [hi, lo] = lsn.split('/').map((x) => parseInt(x, 16))
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0')
  return `${hex(timeline)}${hex(hi)}${hex(Math.floor(lo / 0x1000000))}`
}
