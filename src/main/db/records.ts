import { createHash } from 'node:crypto'
import type pg from 'pg'
import type { AuditService } from '../audit/audit-service'
import { EXTRACTED_COLUMNS, ENDPOINT_DEFS, ENDPOINTS, KeyError, toRow, type Endpoint } from '../openfda/endpoints'
import { PGP_OPTIONS, splitSensitive } from '../openfda/sensitive'
import { contentChecksum } from './checksum'
import type { Actor, Database } from './database'

type Rec = Record<string, unknown>
/** Filterable columns: the allow-list for identifiers in generated SQL. */
export const FILTER_COLUMNS = ['product_code', 'firm', 'device_name', 'device_class'] as const
export const DATE_COLUMNS = ['decision_date', 'received_date', 'report_date'] as const
export const FUZZY_COLUMNS = ['device_name', 'firm'] as const

export interface UpsertResult {
  inserted: number
  updated: number
  unchanged: number
  rejected: { index: number; reason: string }[]
  digest: string
}

export interface RecordQuery {
  /** JSONB containment: records that contain this object (uses the GIN jsonb_path_ops index). */
  contains?: Rec
  equals?: Partial<Record<(typeof FILTER_COLUMNS)[number], string>>
  dateRange?: { column: (typeof DATE_COLUMNS)[number]; from?: string; to?: string }
  /** Trigram similarity on a name column, best first. */
  fuzzy?: { column: (typeof FUZZY_COLUMNS)[number]; text: string; minSimilarity?: number }
  /** Keyset pagination: the `next` cursor of the previous page. */
  after?: string
  limit?: number
}

export interface RecordRow {
  key: string
  record: Rec
  checksum: string
  source: string
  updatedAt: string
  similarity?: number
}

const table = (e: Endpoint): string => `openfda.${ENDPOINT_DEFS[e].table}` // from the allow-list only
const keyExpr = (e: Endpoint): string => ENDPOINT_DEFS[e].keyColumns.join(" || '/' || ")

/** After a load: the endpoint's row count and freshness (refresh_metadata), in the loading transaction. */
export async function recordRefresh(c: pg.ClientBase, endpoint: Endpoint, counts: { inserted: number; updated: number; unchanged: number }): Promise<void> {
  await c.query(
    `UPDATE openfda.refresh_metadata SET record_count = (SELECT count(*) FROM ${table(endpoint)}), last_refresh_at = now(), last_success_at = now(),
            last_added = $2, last_updated = $3, last_unchanged = $4, last_error = NULL WHERE endpoint = $1`,
    [endpoint, counts.inserted, counts.updated, counts.unchanged]
  )
}

/** The mirror's records: upsert, get by key, query, stats, staleness, integrity verification. */
export class RecordStore {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditService
  ) {}

  /**
   * Inserts or updates records in one transaction. Unchanged records (same checksum) are not
   * rewritten. Row triggers audit each change, except in a bulk job, which writes one entry with
   * counts and a digest instead. Records without their key are rejected with the reason.
   */
  async upsert(endpoint: Endpoint, records: Rec[], source: string, actor: Actor, opts: { bulkJobId?: string } = {}): Promise<UpsertResult> {
    const def = ENDPOINT_DEFS[endpoint]
    const key = this.db.checksumKey()
    const result: UpsertResult = { inserted: 0, updated: 0, unchanged: 0, rejected: [], digest: '' }
    const digest = createHash('sha256')
    await this.db.tx(actor, async (c) => {
      if (opts.bulkJobId) await c.query("SELECT set_config('fda.bulk_job', $1, true)", [opts.bulkJobId])
      for (const [index, record] of records.entries()) {
        let row
        try {
          row = toRow(endpoint, record)
        } catch (e) {
          if (e instanceof KeyError) {
            result.rejected.push({ index, reason: e.message })
            continue
          }
          throw e
        }
        const checksum = contentChecksum(key, record)
        const { open, sensitive } = splitSensitive(endpoint, record)
        const keyCols = Object.keys(row.key)
        const extracted = EXTRACTED_COLUMNS.filter((c) => !keyCols.includes(c)) // classification's key is its product_code
        const cols = [...keyCols, 'record', 'sensitive', 'checksum', 'source', ...extracted]
        const values = [...keyCols.map((k) => row.key[k]), JSON.stringify(open), sensitive ? JSON.stringify(sensitive) : null, checksum, source, ...extracted.map((k) => row.columns[k])]
        const placeholders = cols.map((col, i) => (col === 'sensitive' ? `pgp_sym_encrypt($${i + 1}, $${cols.length + 1}, '${PGP_OPTIONS}')` : `$${i + 1}`))
        const updates = cols.filter((col) => !def.keyColumns.includes(col)).map((col) => `${col} = EXCLUDED.${col}`)
        const r = await c.query<{ inserted: boolean }>(
          `INSERT INTO ${table(endpoint)} AS t (${cols.join(', ')}) VALUES (${placeholders.join(', ')})
           ON CONFLICT (${def.keyColumns.join(', ')}) DO UPDATE SET ${updates.join(', ')} WHERE t.checksum <> EXCLUDED.checksum
           RETURNING (xmax = 0) AS inserted`,
          [...values, key]
        )
        if (r.rowCount === 0) result.unchanged++
        else if (r.rows[0].inserted) result.inserted++
        else result.updated++
        digest.update(`${row.keyText}\t${checksum}\n`)
      }
      result.digest = digest.digest('hex')
      await recordRefresh(c, endpoint, result)
      if (opts.bulkJobId)
        await this.audit.record(actor, {
          action: 'data.load', targetType: 'endpoint', targetKey: endpoint,
          after: { job: opts.bulkJobId, source, inserted: result.inserted, updated: result.updated, unchanged: result.unchanged, rejected: result.rejected.length, digest: result.digest }
        }, c)
    })
    return result
  }

  /** One record by its key text (PMA: "P970051/S054"; UDI: its record key), with its sensitive fields. */
  async get(endpoint: Endpoint, keyText: string): Promise<RecordRow | null> {
    const r = await this.db.app().query(
      `SELECT ${keyExpr(endpoint)} AS key, record || coalesce(pgp_sym_decrypt(sensitive, $2)::jsonb, '{}') AS record, checksum, source, updated_at
         FROM ${table(endpoint)} WHERE ${keyExpr(endpoint)} = $1`,
      [keyText, this.db.checksumKey()]
    )
    const row = r.rows[0]
    return row ? { key: row.key, record: row.record, checksum: row.checksum, source: row.source, updatedAt: row.updated_at.toISOString() } : null
  }

  async query(endpoint: Endpoint, q: RecordQuery): Promise<{ rows: RecordRow[]; next: string | null }> {
    const where: string[] = []
    const params: unknown[] = []
    const p = (v: unknown): string => `$${params.push(v)}`
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000)
    if (q.contains) where.push(`record @> ${p(JSON.stringify(q.contains))}::jsonb`)
    for (const [col, v] of Object.entries(q.equals ?? {})) {
      if (!(FILTER_COLUMNS as readonly string[]).includes(col)) throw new Error(`cannot filter on ${col}`)
      where.push(`${col} = ${p(v)}`)
    }
    if (q.dateRange) {
      if (!(DATE_COLUMNS as readonly string[]).includes(q.dateRange.column)) throw new Error(`no date column ${q.dateRange.column}`)
      if (q.dateRange.from) where.push(`${q.dateRange.column} >= ${p(q.dateRange.from)}::date`)
      if (q.dateRange.to) where.push(`${q.dateRange.column} <= ${p(q.dateRange.to)}::date`)
    }
    const key = keyExpr(endpoint)
    let order = `${key}`
    let select = ''
    if (q.fuzzy) {
      if (!(FUZZY_COLUMNS as readonly string[]).includes(q.fuzzy.column)) throw new Error(`no fuzzy search on ${q.fuzzy.column}`)
      const text = p(q.fuzzy.text)
      // % uses the trigram index; its threshold is set by withSimilarityLimit
      where.push(`${q.fuzzy.column} % ${text}`)
      select = `, similarity(${q.fuzzy.column}, ${text}) AS similarity`
      order = `similarity DESC, ${key}`
      if (q.after) {
        const [sim, k] = JSON.parse(Buffer.from(q.after, 'base64url').toString()) as [number, string]
        where.push(`(similarity(${q.fuzzy.column}, ${text}) < ${p(sim)} OR (similarity(${q.fuzzy.column}, ${text}) = ${p(sim)} AND ${key} > ${p(k)}))`)
      }
    } else if (q.after) {
      where.push(`${key} > ${p(Buffer.from(q.after, 'base64url').toString())}`)
    }
    const sql = `SELECT ${key} AS key, record, checksum, source, updated_at${select} FROM ${table(endpoint)}
                 ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ${limit + 1}`
    const r = q.fuzzy ? await this.withSimilarityLimit(q.fuzzy.minSimilarity ?? 0.3, (c) => c.query(sql, params)) : await this.db.app().query(sql, params)
    const rows: RecordRow[] = r.rows.slice(0, limit).map((x) => ({
      key: x.key, record: x.record, checksum: x.checksum, source: x.source, updatedAt: x.updated_at.toISOString(),
      ...(x.similarity !== undefined ? { similarity: Number(x.similarity) } : {})
    }))
    const last = rows.at(-1)
    const next = r.rows.length > limit && last
      ? Buffer.from(q.fuzzy ? JSON.stringify([last.similarity, last.key]) : last.key).toString('base64url')
      : null
    return { rows, next }
  }

  /** pg_trgm's threshold is per session: set it in the same transaction as the query (PgBouncer-safe). */
  private withSimilarityLimit<T>(limit: number, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.db.transaction(async (c) => {
      await c.query('SELECT set_limit($1)', [limit])
      return fn(c)
    })
  }

  /** Rows (as of the last load), size on disk and freshness per endpoint. */
  async stats(): Promise<{ endpoint: Endpoint; rows: number; bytes: number; lastRefreshAt: string | null; lastSuccessAt: string | null; ttlTier: string; ttlSeconds: number; stale: boolean }[]> {
    const r = await this.db.app().query(
      `SELECT m.endpoint, m.ttl_tier, m.ttl_seconds, m.last_refresh_at, m.last_success_at, m.record_count,
              (m.last_success_at IS NULL OR m.last_success_at < now() - make_interval(secs => m.ttl_seconds)) AS stale
         FROM openfda.refresh_metadata m`
    )
    const sizes = await this.db.app().query<{ relname: string; bytes: string }>(
      `SELECT c.relname, pg_total_relation_size(c.oid) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'openfda' AND c.relkind = 'r'`
    )
    const bytes = new Map(sizes.rows.map((s) => [s.relname, Number(s.bytes)]))
    return ENDPOINTS.map((e) => {
      const m = r.rows.find((x) => x.endpoint === e)
      return {
        endpoint: e, rows: Number(m?.record_count ?? 0), bytes: bytes.get(ENDPOINT_DEFS[e].table) ?? 0,
        lastRefreshAt: m?.last_refresh_at?.toISOString() ?? null, lastSuccessAt: m?.last_success_at?.toISOString() ?? null,
        ttlTier: m?.ttl_tier ?? 'unknown', ttlSeconds: Number(m?.ttl_seconds ?? 0), stale: Boolean(m?.stale ?? true)
      }
    })
  }

  /** True when no endpoint holds a record (a fresh mirror). */
  async isEmpty(): Promise<boolean> {
    const union = ENDPOINTS.map((e) => `SELECT 1 FROM ${table(e)}`).join(' UNION ALL ')
    const r = await this.db.app().query(`SELECT EXISTS (${union}) AS any`)
    return !r.rows[0].any
  }

  /** Endpoints whose data is older than their TTL tier allows (or never loaded). */
  async staleEndpoints(): Promise<Endpoint[]> {
    return (await this.stats()).filter((s) => s.stale).map((s) => s.endpoint)
  }

  /** Recomputes every record's checksum (with its decrypted sensitive fields) and lists mismatches by key. */
  async verifyIntegrity(endpoint: Endpoint, onProgress?: (checked: number) => void): Promise<{ checked: number; mismatches: { key: string; stored: string; computed: string }[] }> {
    const key = this.db.checksumKey()
    const mismatches: { key: string; stored: string; computed: string }[] = []
    let checked = 0
    let after = ''
    for (;;) {
      const r = await this.db.app().query<{ key: string; full: Rec; checksum: string }>(
        `SELECT ${keyExpr(endpoint)} AS key, record || coalesce(pgp_sym_decrypt(sensitive, $2)::jsonb, '{}') AS full, checksum
           FROM ${table(endpoint)} WHERE ${keyExpr(endpoint)} > $1 ORDER BY ${keyExpr(endpoint)} LIMIT 2000`,
        [after, key]
      )
      if (!r.rows.length) break
      for (const row of r.rows) {
        const computed = contentChecksum(key, row.full)
        if (computed !== row.checksum && mismatches.length < 1000) mismatches.push({ key: row.key, stored: row.checksum, computed })
        checked++
        after = row.key
      }
      onProgress?.(checked)
    }
    return { checked, mismatches }
  }
}
