import type pg from 'pg'
import { ENDPOINT_DEFS, EXTRACTED_COLUMNS, type Endpoint } from '../endpoints'
import { compactDate, countEnvelope, searchEnvelope, today } from './envelope'
import { NO_MATCHES, planQuery, type Field, type Plan, type Pred } from './plan'
import { tokensRegex } from './text'
import { OpenFdaQueryError, type OpenFdaEnvelope, type OpenFdaParams, type QueryEngine } from './types'

/**
 * Record fields that each endpoint table also keeps in an extracted, indexed column (see
 * ENDPOINT_DEFS.extract): scalar fields copied as they are (trimmed) or, for dates, parsed. Only
 * these become column references in generated SQL; every other field is read from `record` with a
 * JSON path passed as a parameter.
 */
export const DIRECT_COLUMNS: Record<Endpoint, Record<string, string>> = {
  '510k': { k_number: 'k_number', product_code: 'product_code', applicant: 'firm', device_name: 'device_name', 'openfda.device_class': 'device_class', decision_date: 'decision_date', date_received: 'received_date' },
  classification: { product_code: 'product_code', device_name: 'device_name', device_class: 'device_class' },
  event: { mdr_report_key: 'mdr_report_key', date_received: 'received_date', date_report: 'report_date' },
  recall: { product_res_number: 'product_res_number', product_code: 'product_code', recalling_firm: 'firm', 'openfda.device_class': 'device_class', event_date_initiated: 'decision_date', event_date_created: 'received_date', event_date_posted: 'report_date' },
  pma: { pma_number: 'pma_number', product_code: 'product_code', applicant: 'firm', 'openfda.device_class': 'device_class', decision_date: 'decision_date', date_received: 'received_date' },
  udi: { company_name: 'firm', publish_date: 'report_date' },
  enforcement: { recall_number: 'recall_number', recalling_firm: 'firm', center_classification_date: 'decision_date', recall_initiation_date: 'received_date', report_date: 'report_date' }
}

/** Columns with a trigram index (0003): a token regex on them is an index scan. */
const TRGM_COLUMNS = new Set(['firm', 'device_name'])
/** Columns with a GIN index of their tokens (0021): `fda_tokens(col) @> tokens` finds the rows. */
const TOKEN_INDEXED: Record<Endpoint, string[]> = {
  '510k': ['k_number', 'product_code'], classification: ['product_code'], event: ['mdr_report_key'], recall: ['product_res_number', 'product_code'],
  pma: ['pma_number', 'product_code'], udi: ['record_key'], enforcement: ['recall_number']
}

/** The allow-list every identifier in generated SQL is checked against. */
function allowedColumn(endpoint: Endpoint, column: string): string {
  const def = ENDPOINT_DEFS[endpoint]
  if (!(EXTRACTED_COLUMNS as readonly string[]).includes(column) && !def.keyColumns.includes(column)) throw new Error(`column ${column} is not allowed`)
  return `"${column}"`
}

const SCALAR = `jsonb_typeof(v) IN ('string', 'number', 'boolean')`

/** Builds one statement: SQL text with $n placeholders and the values, never spliced. */
class Sql {
  readonly values: unknown[] = []
  p(v: unknown, cast = ''): string {
    this.values.push(v)
    return `$${this.values.length}${cast}`
  }
}

/** `lax $."a"[*]."b"[*]`: every value at the path, stepping through arrays at each level (as leavesAt). */
export function jsonPath(path: readonly string[]): string {
  return '$' + path.map((s) => `.${JSON.stringify(s)}[*]`).join('')
}

export interface SqlQueryEngineOptions {
  /** Per-statement limit (ms, default 60 s: an uncached count over a million JSONB records takes tens of seconds). */
  statementTimeoutMs?: number
  /** Count answers and totals kept per table version (0: no cache). */
  cacheEntries?: number
}

/**
 * Count answers and totals by (database epoch, table version, query): exact, since the version
 * changes in the same transaction as the data (sql/0022). Least recently used entries go first.
 */
export class ResultCache {
  private readonly entries = new Map<string, Promise<unknown>>()
  constructor(private readonly max: number) {}
  /** Concurrent identical questions share one computation (twenty agents asking one count scan once). */
  get<T>(version: string | null, kind: string, plan: Plan, run: () => Promise<T>): Promise<T> {
    if (version === null || this.max === 0) return run()
    const key = JSON.stringify([version, kind, plan.endpoint, plan.pred, plan.count, plan.limit])
    const hit = this.entries.get(key)
    if (hit) {
      this.entries.delete(key)
      this.entries.set(key, hit)
      return hit as Promise<T>
    }
    const p = run()
    this.entries.set(key, p)
    p.catch(() => this.entries.delete(key)) // failures (timeouts, a lost connection) are not remembered
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!)
    return p
  }
}

/**
 * Answers openFDA queries from the mirror: the query tree becomes parameterised SQL over the
 * endpoint table's indexed columns and its JSONB record, run as the read-only role through
 * PgBouncer, in a READ ONLY transaction. Results equal MemoryQueryEngine's on the same records.
 */
export class SqlQueryEngine implements QueryEngine {
  private lastUpdated: { at: number; byEndpoint: Map<string, string> } | null = null
  private readonly cache: ResultCache
  /** Whether the database has sql/0022's table versions (checked with last_updated); without them nothing is cached. */
  private hasVersions = false

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: SqlQueryEngineOptions = {}
  ) {
    this.cache = new ResultCache(opts.cacheEntries ?? 500)
  }

  async query(endpoint: Endpoint, params: OpenFdaParams, signal?: AbortSignal): Promise<OpenFdaEnvelope> {
    const plan = planQuery(endpoint, params)
    let client: pg.PoolClient
    try {
      client = await this.pool.connect()
    } catch (e) {
      // PgBouncer or the database is down: say so (the read path falls through to the next tier).
      throw new OpenFdaQueryError(503, 'SERVICE_UNAVAILABLE', `The mirror database is not reachable (${(e as Error).message.slice(0, 120)}); start it with \`fda-offline stack up\`.`)
    }
    let ok = false
    try {
      signal?.throwIfAborted()
      // One snapshot for the total and the page (and the cache's version).
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
      const lastUpdated = await this.endpointLastUpdated(client, endpoint)
      // JIT compilation costs more than it saves on these short queries (measured: +0.4 s on a count).
      // The table's data version comes in the same round trip.
      const setup = await client.query<{ v: string | null }>(
        `SELECT set_config('statement_timeout', $1, true), set_config('jit', 'off', true), ${this.hasVersions ? "(SELECT epoch::text || '/' || version FROM openfda.table_versions WHERE tbl = $2)" : 'NULL::text'} AS v`,
        this.hasVersions ? [String(this.opts.statementTimeoutMs ?? 60_000), ENDPOINT_DEFS[endpoint].table] : [String(this.opts.statementTimeoutMs ?? 60_000)]
      )
      const version = setup.rows[0].v
      const cached = <T>(kind: string, run: () => Promise<T>): Promise<T> => this.cache.get(version, kind, plan, run)
      let envelope: OpenFdaEnvelope
      if (plan.count) {
        const q = compileCount(plan)
        const r = await cached('count', () => client.query(q.text, q.values).then((x) => ({ rows: x.rows })))
        if (r.rows.length === 0) throw NO_MATCHES()
        const rows = r.rows as { term: string; count: string }[]
        envelope = countEnvelope(
          lastUpdated,
          plan.count.field.kind === 'date'
            ? rows.map((x) => ({ time: compactDate(x.term), count: Number(x.count) }))
            : rows.slice(0, plan.limit).map((x) => ({ term: x.term, count: Number(x.count) })) // limit=0: no terms, yet not "no matches"
        )
      } else {
        const s = compileSearch(plan)
        const rows = plan.limit === 0 ? [] : (await client.query<{ record: unknown }>(s.text, s.values)).rows
        // A short first page is the whole answer: its length is the total, no count needed (key lookups).
        let total: number
        if (!plan.after && plan.limit > 0 && rows.length < plan.limit && (plan.skip === 0 || rows.length > 0)) total = plan.skip + rows.length
        else {
          const t = compileTotal(plan)
          total = await cached('total', async () => Number((await client.query<{ n: string }>(t.text, t.values)).rows[0].n))
        }
        if (total === 0) throw NO_MATCHES()
        envelope = searchEnvelope(lastUpdated, plan.skip, plan.limit, total, rows.map((r) => r.record))
      }
      await client.query('COMMIT')
      ok = true
      return envelope
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {})
      if (e instanceof OpenFdaQueryError) {
        ok = true
        throw e
      }
      const code = (e as { code?: string }).code
      if (code === '57014') throw new OpenFdaQueryError(504, 'TIMEOUT', 'The query took too long; narrow the search.')
      if ((code && /^(08|57P|53)/.test(code)) || /ECONN|Connection terminated|timeout/i.test((e as Error).message)) {
        throw new OpenFdaQueryError(503, 'SERVICE_UNAVAILABLE', `The mirror database stopped answering (${(e as Error).message.slice(0, 120)}).`)
      }
      throw e
    } finally {
      client.release(ok ? undefined : true)
    }
  }

  /** openFDA's meta.last_updated: the endpoint's last successful refresh (else today), cached a minute. */
  private async endpointLastUpdated(client: pg.PoolClient, endpoint: Endpoint): Promise<string> {
    if (!this.lastUpdated || Date.now() - this.lastUpdated.at > 60_000) {
      const r = await client.query<{ endpoint: string; d: string | null }>("SELECT endpoint, to_char(last_success_at, 'YYYY-MM-DD') AS d FROM openfda.refresh_metadata")
      this.hasVersions = (await client.query<{ ok: boolean }>("SELECT to_regclass('openfda.table_versions') IS NOT NULL AS ok")).rows[0].ok
      this.lastUpdated = { at: Date.now(), byEndpoint: new Map(r.rows.filter((x) => x.d).map((x) => [x.endpoint, x.d!])) }
    }
    return this.lastUpdated.byEndpoint.get(endpoint) ?? today()
  }
}

// ---- compilation ---------------------------------------------------------------------------------

function table(endpoint: Endpoint): string {
  return `openfda."${ENDPOINT_DEFS[endpoint].table}"`
}

function direct(endpoint: Endpoint, f: Field | null): string | null {
  if (!f) return null
  const c = DIRECT_COLUMNS[endpoint][f.name]
  return c ? allowedColumn(endpoint, c) : null
}

/** EXISTS over the scalar leaves at a field's path, with `cond` on their text `t`. */
function anyLeaf(sql: Sql, f: Field, cond: (t: string) => string): string {
  return `EXISTS (SELECT 1 FROM jsonb_path_query(t.record, ${sql.p(jsonPath(f.path), '::jsonpath')}) v WHERE ${SCALAR} AND ${cond(`(v #>> '{}')`)})`
}

const looksNonString = (s: string) => /^-?[0-9.eE+-]+$/.test(s) || s === 'true' || s === 'false'

export function compilePred(sql: Sql, endpoint: Endpoint, pred: Pred): string {
  switch (pred.p) {
    case 'all':
      return 'TRUE'
    case 'none':
      return 'FALSE'
    case 'and':
    case 'or':
      return `(${pred.children.map((c) => compilePred(sql, endpoint, c)).join(pred.p === 'and' ? ' AND ' : ' OR ')})`
    case 'not':
      // Column comparisons are NULL for a missing value; AND/OR treat NULL as false already, NOT must too.
      return `(NOT coalesce(${compilePred(sql, endpoint, pred.child)}, false))`
    case 'tokens': {
      const re = sql.p(tokensRegex(pred.tokens))
      if (pred.field === null) return `EXISTS (SELECT 1 FROM jsonb_path_query(t.record, 'strict $.**') v WHERE ${SCALAR} AND lower(v #>> '{}') ~ ${re})`
      const col = direct(endpoint, pred.field)
      const colName = col?.slice(1, -1) ?? ''
      // Tokens ignore surrounding spaces, so the trimmed column answers exactly; `~*` lets the trigram index find the rows.
      if (col && pred.field.kind !== 'date') {
        const plain = pred.tokens.filter((x) => !x.includes('*'))
        const index = TOKEN_INDEXED[endpoint].includes(colName) && plain.length
          ? `openfda.fda_tokens(t.${col}) @> ${sql.p(plain, '::text[]')} AND `
          : TRGM_COLUMNS.has(colName) ? `t.${col} ~* ${re} AND ` : ''
        return `(${index}lower(t.${col}) ~ ${re})`
      }
      return anyLeaf(sql, pred.field, (t) => `lower(${t}) ~ ${re}`)
    }
    case 'equals': {
      const generic = anyLeaf(sql, pred.field, (t) => `${t} = ${sql.p(pred.text)}`)
      const col = direct(endpoint, pred.field)
      const trimmed = pred.text.trim()
      if (col && pred.field.kind !== 'date' && trimmed !== '') return `(t.${col} = ${sql.p(trimmed)} AND ${generic})`
      // The GIN (jsonb_path_ops) index finds records holding the string; the EXISTS re-checks as text.
      if (!looksNonString(pred.text)) return `(t.record @? ${sql.p(`${jsonPath(pred.field.path)} ? (@ == ${JSON.stringify(pred.text)})`, '::jsonpath')} AND ${generic})`
      return generic
    }
    case 'pattern':
      return anyLeaf(sql, pred.field, (t) => `${t} ~ ${sql.p(pred.pg)}`)
    case 'dateRange': {
      const col = direct(endpoint, pred.field)
      const cmp = (x: string) => {
        const parts: string[] = []
        if (pred.lo !== null) parts.push(`${x} ${pred.loInclusive ? '>=' : '>'} ${sql.p(pred.lo, '::date')}`)
        if (pred.hi !== null) parts.push(`${x} ${pred.hiInclusive ? '<=' : '<'} ${sql.p(pred.hi, '::date')}`)
        if (parts.length === 0) parts.push(`${x} IS NOT NULL`)
        return parts.join(' AND ')
      }
      // The date columns hold parseOpenFdaDate of the same field, indexed.
      if (col) return `(${cmp(`t.${col}`)})`
      return anyLeaf(sql, pred.field, (t) => `coalesce(${cmp(`openfda.parse_openfda_date(${t})`)}, false)`)
    }
    case 'textRange':
      return anyLeaf(sql, pred.field, (t) => {
        const parts: string[] = []
        if (pred.lo !== null) parts.push(`${t} COLLATE "C" ${pred.loInclusive ? '>=' : '>'} ${sql.p(pred.lo)}`)
        if (pred.hi !== null) parts.push(`${t} COLLATE "C" ${pred.hiInclusive ? '<=' : '<'} ${sql.p(pred.hi)}`)
        return parts.length ? parts.join(' AND ') : 'TRUE'
      })
    case 'exists':
      return anyLeaf(sql, pred.field, (t) => `${t} <> ''`)
  }
}

function keyCols(endpoint: Endpoint): string[] {
  return ENDPOINT_DEFS[endpoint].keyColumns.map((c) => `t.${allowedColumn(endpoint, c)}`)
}

/** The sort value expression: smallest value ascending, largest descending, NULL when missing. */
function sortExpr(sql: Sql, plan: Plan): string {
  const s = plan.sort!
  const col = direct(plan.endpoint, s.field)
  if (col && s.field.kind === 'date') return `t.${col}`
  const agg = s.desc ? 'max' : 'min'
  const val = s.field.kind === 'date' ? `openfda.parse_openfda_date(v #>> '{}')` : `(v #>> '{}') COLLATE "C"`
  return `(SELECT ${agg}(${val}) FROM jsonb_path_query(t.record, ${sql.p(jsonPath(s.field.path), '::jsonpath')}) v WHERE ${SCALAR})`
}

function compileTotal(plan: Plan): { text: string; values: unknown[] } {
  const sql = new Sql()
  const where = compilePred(sql, plan.endpoint, plan.pred)
  return { text: `SELECT count(*) AS n FROM ${table(plan.endpoint)} t WHERE ${where}`, values: sql.values }
}

function compileSearch(plan: Plan): { text: string; values: unknown[] } {
  const sql = new Sql()
  const where = compilePred(sql, plan.endpoint, plan.pred)
  const keys = keyCols(plan.endpoint)
  const keyNames = ENDPOINT_DEFS[plan.endpoint].keyColumns.map((c) => `x.${allowedColumn(plan.endpoint, c)}`)
  const after = plan.after
  if (!plan.sort) {
    const cond = after ? ` AND (${keys.join(', ')}) > (${after.map((v) => sql.p(v)).join(', ')})` : ''
    return { text: `SELECT t.record FROM ${table(plan.endpoint)} t WHERE ${where}${cond} ORDER BY ${keys.join(', ')} LIMIT ${sql.p(plan.limit)} OFFSET ${sql.p(plan.skip)}`, values: sql.values }
  }
  const s = sortExpr(sql, plan)
  const isDate = plan.sort.field.kind === 'date'
  let cond = ''
  if (after) {
    const [sv, ...kv] = after
    const keysAfter = `(${keyNames.join(', ')}) > (${kv.map((v) => sql.p(v)).join(', ')})`
    if (sv === null) cond = `WHERE x.s IS NULL AND ${keysAfter}`
    else {
      const p = sql.p(sv, isDate ? '::date' : '')
      const cmpS = isDate ? 'x.s' : 'x.s COLLATE "C"'
      cond = `WHERE (${cmpS} ${plan.sort.desc ? '<' : '>'} ${p} OR x.s IS NULL OR (${cmpS} = ${p} AND ${keysAfter}))`
    }
  }
  const dir = plan.sort.desc ? 'DESC' : 'ASC'
  return {
    text: `SELECT x.record FROM (SELECT t.record, ${s} AS s, ${keys.join(', ')} FROM ${table(plan.endpoint)} t WHERE ${where}) x ${cond}
           ORDER BY x.s ${isDate ? '' : 'COLLATE "C" '}${dir} NULLS LAST, ${keyNames.join(', ')} LIMIT ${sql.p(plan.limit)} OFFSET ${sql.p(plan.skip)}`,
    values: sql.values
  }
}

/** openFDA's count: per term, how many matching records have it (see countTerms in memory-engine.ts). */
function compileCount(plan: Plan): { text: string; values: unknown[] } {
  const sql = new Sql()
  const where = compilePred(sql, plan.endpoint, plan.pred)
  const { field, exact } = plan.count!
  const col = direct(plan.endpoint, field)
  const path = () => sql.p(jsonPath(field.path), '::jsonpath')
  let terms: string
  if (field.kind === 'date') {
    terms = col
      ? `SELECT t.${col} AS term WHERE t.${col} IS NOT NULL`
      : `SELECT DISTINCT openfda.parse_openfda_date(v #>> '{}') AS term FROM jsonb_path_query(t.record, ${path()}) v WHERE ${SCALAR} AND openfda.parse_openfda_date(v #>> '{}') IS NOT NULL`
    return {
      text: `SELECT to_char(x.term, 'YYYY-MM-DD') AS term, count(*) AS count FROM ${table(plan.endpoint)} t, LATERAL (${terms}) x WHERE ${where} GROUP BY x.term ORDER BY x.term`,
      values: sql.values
    }
  }
  if (exact) terms = `SELECT DISTINCT v #>> '{}' AS term FROM jsonb_path_query(t.record, ${path()}) v WHERE ${SCALAR} AND (v #>> '{}') <> ''`
  else if (col) terms = `SELECT DISTINCT tok AS term FROM regexp_split_to_table(lower(t.${col}), '[^a-z0-9]+') tok WHERE tok <> ''`
  else terms = `SELECT DISTINCT tok AS term FROM jsonb_path_query(t.record, ${path()}) v, regexp_split_to_table(lower(v #>> '{}'), '[^a-z0-9]+') tok WHERE ${SCALAR} AND tok <> ''`
  return {
    text: `SELECT x.term, count(*) AS count FROM ${table(plan.endpoint)} t, LATERAL (${terms}) x WHERE ${where}
           GROUP BY x.term ORDER BY count(*) DESC, x.term COLLATE "C" LIMIT ${sql.p(Math.max(1, plan.limit))}`,
    values: sql.values
  }
}

export const __compile = { compileCount, compileSearch, compileTotal }
