import { createHash } from 'node:crypto'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import type { AuditService } from '../audit/audit-service'
import { EXTRACTED_COLUMNS, ENDPOINT_DEFS, KeyError, toRow, type Endpoint } from '../openfda/endpoints'
import { PGP_OPTIONS, splitSensitive } from '../openfda/sensitive'
import { contentChecksum } from './checksum'
import { recordRefresh } from './records'
import type { Actor, Database } from './database'


/** COPY's text format: backslash, tab, newline and carriage return escaped; NULL as \N. */
const COPY_SPECIAL = /[\\\t\n\r]/

export function copyField(v: string | null): string {
  if (v === null) return '\\N'
  if (!COPY_SPECIAL.test(v)) return v
  // Native scans, backslash first; records' JSON holds many escapes and a callback per match costs.
  return v.replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n').replaceAll('\r', '\\r')
}

export interface BulkLoadResult {
  rows: number
  inserted: number
  updated: number
  unchanged: number
  rejected: { index: number; reason: string }[]
  digest: string
}

/**
 * Loads many records in one transaction: COPY into a temporary staging table, then one
 * INSERT … ON CONFLICT into the endpoint table (encrypting the sensitive fields on the way). Row
 * triggers stay quiet (fda.bulk_job); one audit entry records the counts and a digest.
 */
export async function bulkLoad(
  deps: { db: Database; audit: AuditService },
  endpoint: Endpoint,
  records: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>,
  source: string,
  actor: Actor,
  opts: { jobId: string; onProgress?: (rows: number) => void }
): Promise<BulkLoadResult> {
  const def = ENDPOINT_DEFS[endpoint]
  const key = deps.db.checksumKey()
  const keyCols = def.endpoint === 'udi' ? ['record_key', 'key_source'] : def.keyColumns
  const extracted = EXTRACTED_COLUMNS.filter((c) => !keyCols.includes(c))
  const cols = [...keyCols, 'record', 'sensitive_plain', 'checksum', 'source', ...extracted]
  const result: BulkLoadResult = { rows: 0, inserted: 0, updated: 0, unchanged: 0, rejected: [], digest: '' }
  const digest = createHash('sha256')

  async function* lines(): AsyncGenerator<string> {
    let index = 0
    let batch = ''
    for await (const record of records) {
      const i = index++
      let row
      try {
        row = toRow(endpoint, record)
      } catch (e) {
        if (e instanceof KeyError) {
          result.rejected.push({ index: i, reason: e.message })
          continue
        }
        throw e
      }
      const checksum = contentChecksum(key, record)
      const { open, sensitive } = splitSensitive(endpoint, record)
      const values = [
        ...keyCols.map((c) => row.key[c]), JSON.stringify(open), sensitive ? JSON.stringify(sensitive) : null, checksum, source,
        ...extracted.map((c) => row.columns[c])
      ]
      batch += values.map(copyField).join('\t') + '\n'
      digest.update(`${row.keyText}\t${checksum}\n`)
      result.rows++
      if (batch.length > 1 << 20) {
        yield batch
        batch = ''
        opts.onProgress?.(result.rows)
      }
    }
    if (batch) yield batch
    opts.onProgress?.(result.rows)
  }

  await deps.db.tx(actor, async (c: pg.PoolClient) => {
    await c.query("SELECT set_config('fda.bulk_job', $1, true)", [opts.jobId])
    const keyDefs = keyCols.map((k) => `${k} text`).join(', ')
    await c.query(`CREATE TEMP TABLE staging (${keyDefs}, record jsonb, sensitive_plain text, checksum text, source text, ${extracted.map((x) => `${x} ${x.endsWith('_date') ? 'date' : 'text'}`).join(', ')}) ON COMMIT DROP`)
    await pipeline(Readable.from(lines()), c.query(copyFrom(`COPY staging (${cols.join(', ')}) FROM STDIN`)))
    const target = cols.filter((x) => x !== 'sensitive_plain')
    const table = `openfda.${def.table}`
    const updates = [...target.filter((x) => !def.keyColumns.includes(x)), 'sensitive'].map((x) => `${x} = EXCLUDED.${x}`)
    // DISTINCT ON: a key repeated in one load keeps its last occurrence (ctid order = input order).
    const r = await c.query<{ inserted: string; written: string }>(
      `WITH written AS (INSERT INTO ${table} AS t (${target.join(', ')}, sensitive)
       SELECT DISTINCT ON (${def.keyColumns.join(', ')}) ${target.join(', ')}, CASE WHEN sensitive_plain IS NULL THEN NULL ELSE pgp_sym_encrypt(sensitive_plain, $1, '${PGP_OPTIONS}') END
         FROM staging ORDER BY ${def.keyColumns.join(', ')}, ctid DESC
       ON CONFLICT (${def.keyColumns.join(', ')}) DO UPDATE SET ${updates.join(', ')} WHERE t.checksum <> EXCLUDED.checksum
       RETURNING (xmax = 0) AS inserted)
       SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) AS written FROM written`,
      [key]
    )
    result.inserted = Number(r.rows[0].inserted)
    result.updated = Number(r.rows[0].written) - result.inserted
    result.unchanged = result.rows - Number(r.rows[0].written)
    result.digest = digest.digest('hex')
    await recordRefresh(c, endpoint, result)
    await deps.audit.record(actor, {
      action: 'data.load', targetType: 'endpoint', targetKey: endpoint,
      after: { job: opts.jobId, source, rows: result.rows, inserted: result.inserted, updated: result.updated, unchanged: result.unchanged, rejected: result.rejected.length, digest: result.digest }
    }, c)
  }, deps.db.bulk())
  return result
}
