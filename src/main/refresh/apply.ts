import type pg from 'pg'
import type { AuditService } from '../audit/audit-service'
import type { Actor } from '../db/database'
import { recordRefresh } from '../db/records'
import { writeExpectations } from '../deploy/content'
import { EXTRACTED_COLUMNS, ENDPOINT_DEFS, type Endpoint } from '../openfda/endpoints'
import { PGP_OPTIONS } from '../openfda/sensitive'
import { MOVING_DATES, type EndpointPlan } from './plan'

export interface ApplyCounts {
  inserted: number
  updated: number
  deleted: number
  unchanged: number
  /** Changed both at openFDA and in the mirror since the last refresh: openFDA's version applied, the mirror's kept in refresh_conflicts. */
  conflicts: number
  /** Changed only in the mirror: openFDA's version restored, the mirror's kept in refresh_conflicts. */
  restored: number
  /** SHA-256 of the change set: one line per change, "I|U|D <tab> key <tab> checksum", sorted by key. */
  digest: string
  /**
   * Into the standby only: what the endpoint holds once the change set is applied, as this refresh
   * computes it before applying (the source's records, plus for a date window the mirror's records
   * outside it): rows and content digest in the form of deploy/content.ts, recorded as the promotion
   * guardrail's expectation.
   */
  expected?: { rows: number; digest: string }
}

/**
 * Applies one endpoint's staged records to the target database in the caller's transaction:
 * records new to the mirror are inserted, changed ones (different checksum) updated, and records of
 * the mirror that the source no longer has are deleted: all of them for a bulk refresh, those whose
 * date lies in the window for a date-range refresh. openfda.delta_checksums keeps the checksum each
 * key had at openFDA; a record whose mirror copy differs from it was changed in the mirror, and when
 * openFDA changed it too, openFDA's version wins and the mirror's is kept in refresh_conflicts.
 */
export async function applyEndpoint(
  c: pg.ClientBase,
  deps: { audit: AuditService; checksumKey: string },
  run: { id: string; color: string; segment?: string; expectation?: boolean },
  plan: EndpointPlan,
  actor: Actor
): Promise<ApplyCounts> {
  const endpoint: Endpoint = plan.endpoint
  const def = ENDPOINT_DEFS[endpoint]
  const table = `openfda.${def.table}` // from the allow-list only
  const keyExpr = (alias: string): string => def.keyColumns.map((k) => `${alias}.${k}`).join(" || '/' || ")
  const dateCol = plan.mode === 'date-range' ? MOVING_DATES[endpoint]!.column : null
  const scope = (alias: string): string => (dateCol ? `${alias}.${dateCol} BETWEEN $3::date AND $4::date` : 'true')
  const params = [run.id, endpoint, plan.from, plan.to]

  await c.query("SELECT set_config('fda.bulk_job', $1, true)", [`refresh:${run.id}`]) // one audit entry per endpoint, not per row
  await c.query("SET LOCAL work_mem = '256MB'")
  // The source's view: one row per key (a key seen twice keeps its last occurrence).
  await c.query(
    `CREATE TEMP TABLE src ON COMMIT DROP AS
       SELECT DISTINCT ON (key_text) * FROM console.refresh_staging WHERE run_id = $1 AND endpoint = $2 ORDER BY key_text, unit_no DESC, ord DESC`,
    [run.id, endpoint]
  )
  await c.query('CREATE UNIQUE INDEX ON src (key_text)')
  await c.query('CREATE TEMP TABLE changes (op char(1), key_text text, checksum text) ON COMMIT DROP')

  // The result this refresh means to produce, worked out from the source before anything is applied
  // (never by reading the result back, or the guardrail could not catch an apply that went wrong):
  // every source record, and the mirror's records the refresh leaves alone (outside the date window
  // and not in the source). NULL dates are outside any window, as the deletion below treats them.
  let expected: ApplyCounts['expected']
  if (run.expectation) {
    const e = await c.query<{ rows: string; digest: string }>(
      `SELECT count(*)::text AS rows, md5(coalesce(string_agg(checksum, ',' ORDER BY checksum), '')) AS digest FROM (
         SELECT checksum FROM src
         UNION ALL
         SELECT t.checksum FROM ${table} t
          WHERE ${dateCol ? `NOT coalesce(t.${dateCol} BETWEEN $1::date AND $2::date, false)` : 'false'}
            AND NOT EXISTS (SELECT 1 FROM src s WHERE s.key_text = ${keyExpr('t')})) x`,
      dateCol ? [plan.from, plan.to] : []
    )
    expected = { rows: Number(e.rows[0].rows), digest: e.rows[0].digest }
  }

  // Before anything changes: mirror records that no longer match what openFDA gave last time and that
  // this refresh replaces or deletes. 'both': openFDA changed it too (a conflict); 'mirror-only': only
  // the mirror had changed. Either way openFDA's version is applied and the mirror's is kept here.
  const conflicts = await c.query<{ kind: string; n: string }>(
    `WITH kept AS (
       INSERT INTO console.refresh_conflicts (run_id, endpoint, key_text, kind, base_checksum, mirror_checksum, source_checksum, mirror_record)
       SELECT $1, $2, ${keyExpr('t')}, CASE WHEN s.checksum IS DISTINCT FROM d.checksum THEN 'both' ELSE 'mirror-only' END, d.checksum, t.checksum, s.checksum, t.record
         FROM ${table} t
         JOIN openfda.delta_checksums d ON d.endpoint = $2 AND d.record_key = ${keyExpr('t')}
         LEFT JOIN src s ON s.key_text = ${keyExpr('t')}
        WHERE t.checksum <> d.checksum
          AND ((s.key_text IS NULL AND ${scope('t')}) OR s.checksum <> t.checksum)
       ON CONFLICT DO NOTHING
       RETURNING kind)
     SELECT kind, count(*) AS n FROM kept GROUP BY kind`,
    dateCol ? params : params.slice(0, 2)
  )
  const conflictCount = (kind: string): number => Number(conflicts.rows.find((r) => r.kind === kind)?.n ?? 0)

  await c.query(
    `WITH gone AS (DELETE FROM ${table} t WHERE ${dateCol ? `t.${dateCol} BETWEEN $1::date AND $2::date` : 'true'}
                     AND NOT EXISTS (SELECT 1 FROM src s WHERE s.key_text = ${keyExpr('t')})
                   RETURNING ${keyExpr('t')} AS key_text, t.checksum)
     INSERT INTO changes SELECT 'D', key_text, checksum FROM gone`,
    dateCol ? [plan.from, plan.to] : []
  )

  const keyCols = endpoint === 'udi' ? ['record_key', 'key_source'] : def.keyColumns
  const extracted = EXTRACTED_COLUMNS.filter((x) => !keyCols.includes(x))
  const target = [...keyCols, 'record', 'sensitive', 'checksum', 'source', ...extracted]
  const select = [
    ...keyCols.map((k) => `key ->> '${k}'`), 'record::jsonb',
    `CASE WHEN sensitive IS NULL THEN NULL ELSE pgp_sym_encrypt(sensitive, $2, '${PGP_OPTIONS}') END`, 'checksum', `'refresh:' || $1`, ...extracted
  ]
  const updates = target.filter((x) => !def.keyColumns.includes(x)).map((x) => `${x} = EXCLUDED.${x}`)
  await c.query(
    `WITH written AS (
       INSERT INTO ${table} AS t (${target.join(', ')}) SELECT ${select.join(', ')} FROM src
        -- unchanged records are skipped here, before their sensitive fields are encrypted again
        WHERE NOT EXISTS (SELECT 1 FROM ${table} m WHERE ${def.keyColumns.map((k) => `m.${k} = src.key ->> '${k}'`).join(' AND ')} AND m.checksum = src.checksum)
       ON CONFLICT (${def.keyColumns.join(', ')}) DO UPDATE SET ${updates.join(', ')} WHERE t.checksum <> EXCLUDED.checksum
       RETURNING (xmax = 0) AS inserted, ${keyExpr('t')} AS key_text, t.checksum)
     INSERT INTO changes SELECT CASE WHEN inserted THEN 'I' ELSE 'U' END, key_text, checksum FROM written`,
    [run.id, deps.checksumKey]
  )

  // What openFDA holds now, for the next refresh's conflict check.
  await c.query(
    `INSERT INTO openfda.delta_checksums (endpoint, record_key, checksum, seen_at) SELECT $1, key_text, checksum, now() FROM src
     ON CONFLICT (endpoint, record_key) DO UPDATE SET checksum = EXCLUDED.checksum, seen_at = EXCLUDED.seen_at`,
    [endpoint]
  )
  await c.query(`DELETE FROM openfda.delta_checksums d USING changes x WHERE x.op = 'D' AND d.endpoint = $1 AND d.record_key = x.key_text`, [endpoint])

  const r = await c.query<{ inserted: string; updated: string; deleted: string; total: string; digest: string }>(
    `SELECT count(*) FILTER (WHERE op = 'I') AS inserted, count(*) FILTER (WHERE op = 'U') AS updated, count(*) FILTER (WHERE op = 'D') AS deleted,
            (SELECT count(*) FROM src) AS total,
            encode(sha256(convert_to(coalesce(string_agg(op || E'\\t' || key_text || E'\\t' || checksum, E'\\n' ORDER BY key_text, op), ''), 'UTF8')), 'hex') AS digest
       FROM changes`
  )
  const x = r.rows[0]
  const counts: ApplyCounts = {
    inserted: Number(x.inserted), updated: Number(x.updated), deleted: Number(x.deleted),
    unchanged: Number(x.total) - Number(x.inserted) - Number(x.updated),
    conflicts: conflictCount('both'), restored: conflictCount('mirror-only'), digest: x.digest, ...(expected ? { expected } : {})
  }
  await recordRefresh(c, endpoint, counts)
  // In the same transaction as the change: the standby never holds the change without its expectation.
  if (expected) await writeExpectations(c, [{ endpoint, ...expected }], `refresh:${run.id}`)
  await deps.audit.record(actor, {
    action: 'refresh.endpoint', targetType: 'endpoint', targetKey: endpoint, segment: run.segment,
    after: { run: run.id, color: run.color, mode: plan.mode, window: plan.mode === 'date-range' ? { field: plan.dateField, from: plan.from, to: plan.to } : null, ...counts }
  }, c)
  await c.query(`UPDATE console.refresh_endpoints SET state = 'applied', counts = $3, digest = $4 WHERE run_id = $1 AND endpoint = $2`, [run.id, endpoint, JSON.stringify(counts), counts.digest])
  await c.query('DELETE FROM console.refresh_staging WHERE run_id = $1 AND endpoint = $2', [run.id, endpoint])
  return counts
}
