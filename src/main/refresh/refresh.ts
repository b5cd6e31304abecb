import { randomUUID } from 'node:crypto'
import { mkdirSync, readFileSync, statSync, existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type pg from 'pg'
import type { Color } from '../../shared/schemas'
import type { Services } from '../app/services'
import { writeFileAtomic } from '../config/atomic-file'
import { createPool } from '../db/connection'
import { APP_ROLE, type Actor } from '../db/database'
import { loadMigrations, prepareColor } from '../db/prepare'
import { readInput } from '../importer/read-file'
import type { InputFile } from '../importer/sources'
import type { JobContext } from '../jobs/job-manager'
import { createOpenFdaClient } from '../openfda/client'
import { nextParams, type OpenFdaClient } from '../openfda/client/openfda-client'
import { ENDPOINT_DEFS, ENDPOINTS, type Endpoint } from '../openfda/endpoints'
import type { OpenFdaParams } from '../openfda/query/types'
import { StackError } from '../stack/stack-error'
import { applyEndpoint, type ApplyCounts } from './apply'
import { LARGE_ENDPOINTS, planEndpoint, windowSearch, type EndpointPlan } from './plan'
import { stageRecords } from './stage'

export interface RefreshOptions {
  endpoints?: Endpoint[]
  /** Apply into the standby color (GREEN while BLUE is live). Default: yes when the selection holds a large endpoint (event, UDI). */
  blueGreen?: boolean
  /** openFDA API base URL; default the `openfda.baseUrl` setting. */
  source?: string | null
  /** Download manifest URL; default `<source>/download.json` when a source is given, else the `openfda.downloadManifestUrl` setting, else `<baseUrl>/download.json`. */
  manifestUrl?: string | null
  /** Bulk files for every endpoint, not date windows. */
  full?: boolean
  /** Start of the date window (YYYY-MM-DD) instead of the last success less the overlap. */
  since?: string | null
  /** Records per API page (openFDA allows up to 1000). */
  pageSize?: number
}

export interface EndpointResult extends ApplyCounts {
  endpoint: Endpoint
  mode: EndpointPlan['mode']
  window: { field: string | null; from: string | null; to: string | null } | null
  fetched: number
  rejected: number
}

export interface RefreshSummary {
  runId: string
  color: Color
  blueGreen: boolean
  resumed: boolean
  source: string
  endpoints: EndpointResult[]
  seconds: number
}

const LOCK_KEY = "hashtext('fda-offline-refresh')"

/** Where a finished refresh's summary is kept for `refresh result` (the run itself lives in the target database). */
export const resultFile = (home: string, jobId: string): string => join(home, 'refresh', 'results', `${jobId}.json`)

export function readRefreshResult(home: string, jobId: string): RefreshSummary | null {
  const f = resultFile(home, jobId)
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as RefreshSummary) : null
}

/**
 * Brings the mirror up to date with openFDA. One run at a time per target database (an advisory
 * lock). An unfinished run with the same source, endpoints and target is resumed: staged pages and
 * files are not fetched again, applied endpoints not applied again.
 */
export async function runRefresh(s: Services, opts: RefreshOptions, actor: Actor, ctx: JobContext): Promise<RefreshSummary> {
  const started = Date.now()
  const endpoints = opts.endpoints?.length ? [...new Set(opts.endpoints)] : [...ENDPOINTS]
  const blueGreen = opts.blueGreen ?? endpoints.some((e) => LARGE_ENDPOINTS.includes(e))
  const source = (opts.source ?? s.settings.openfda.baseUrl).replace(/\/+$/, '')
  const manifestUrl = opts.manifestUrl ?? (opts.source ? `${source}/download.json` : (s.settings.openfda.downloadManifestUrl ?? `${source}/download.json`))
  const pageSize = opts.pageSize ?? 1000

  ctx.report({ phase: 'prepare', message: 'finding the target database' })
  const live: Color = (await s.stack.status()).liveColor ?? 'blue'
  const color: Color = blueGreen ? (live === 'blue' ? 'green' : 'blue') : live
  if (color !== live) await readyStandby(s, live, color, actor, ctx)
  else if (!(await s.stack.runningColors()).includes(color))
    throw new StackError('DATABASE_UNAVAILABLE', `${color.toUpperCase()} is not running.`, 'Start the stack with `fda-offline stack up`.')
  // On the standby the refresh writes its own audit segment (docs/AUDIT.md): the main chain there is the live color's, replicated.
  const segment = color !== live ? `refresh-${ctx.jobId}` : undefined
  await prepareColor(s.db, color, loadMigrations(s.sqlDir), segment) // pending migrations first (a clone has them already)

  const pool = createPool({ ...s.stack.target(color), user: APP_ROLE, password: s.db.appPassword() }, { max: 3, statementTimeoutMs: 0 })
  pool.on('error', () => {})
  const lock = await pool.connect()
  try {
    const got = await lock.query(`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS ok`)
    if (!got.rows[0].ok) throw new Error(`another refresh is running against ${color.toUpperCase()}; wait for it or cancel it (fda-offline jobs list)`)
    const client = createOpenFdaClient(s, { baseUrl: source, log: (l) => ctx.report({ message: l }) })
    const { runId, resumed } = await findOrCreateRun(s, pool, { source, manifestUrl, color, blueGreen, endpoints, actor, jobId: ctx.jobId, opts })
    const results: EndpointResult[] = []
    try {
      for (const endpoint of endpoints) {
        ctx.signal.throwIfAborted()
        results.push(await refreshEndpoint(s, pool, client, { runId, color, manifestUrl, pageSize, segment }, endpoint, actor, ctx))
      }
      const summary: RefreshSummary = { runId, color, blueGreen, resumed, source, endpoints: results, seconds: (Date.now() - started) / 1000 }
      await pool.query(`UPDATE console.refresh_runs SET state = 'succeeded', finished_at = now(), summary = $2, error = NULL WHERE id = $1`, [runId, JSON.stringify(summary)])
      const entry = {
        action: 'refresh.run', targetType: 'refresh', targetKey: runId,
        after: { color, blueGreen, resumed, source, endpoints: results.map((r) => ({ endpoint: r.endpoint, mode: r.mode, inserted: r.inserted, updated: r.updated, deleted: r.deleted, conflicts: r.conflicts, restored: r.restored, digest: r.digest, expected: r.expected })) }
      }
      await s.db.tx(actor, (c) => s.audit.record(actor, { ...entry, segment }, c).then(() => undefined), pool)
      // The live database's trail also records the refresh (when GREEN was the target, GREEN keeps its own entries).
      if (color !== live) await s.audit.record(actor, entry).catch(() => ctx.report({ message: 'the live database could not be reached: the refresh is recorded in the audit trail of the target only' }))
      mkdirSync(join(s.home, 'refresh', 'results'), { recursive: true })
      writeFileAtomic(resultFile(s.home, ctx.jobId), JSON.stringify(summary, null, 2))
      return summary
    } catch (e) {
      const cancelled = ctx.signal.aborted
      await pool
        .query('UPDATE console.refresh_runs SET state = $2, error = $3 WHERE id = $1', [runId, cancelled ? 'cancelled' : 'failed', cancelled ? 'cancelled by the user' : (e as Error).message])
        .catch(() => {})
      throw e
    }
  } finally {
    await lock.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`).catch(() => {})
    lock.release()
    await pool.end().catch(() => {})
  }
}

async function findOrCreateRun(
  s: Services,
  pool: pg.Pool,
  a: { source: string; manifestUrl: string; color: Color; blueGreen: boolean; endpoints: Endpoint[]; actor: Actor; jobId: string; opts: RefreshOptions }
): Promise<{ runId: string; resumed: boolean }> {
  const prior = await pool.query<{ id: string }>(
    `SELECT id FROM console.refresh_runs WHERE state IN ('running', 'failed', 'cancelled') AND source = $1 AND color = $2 AND endpoints = $3::text[] ORDER BY started_at DESC LIMIT 1`,
    [a.source, a.color, a.endpoints]
  )
  if (prior.rows[0]) {
    await pool.query(`UPDATE console.refresh_runs SET state = 'running', job_id = $2, error = NULL WHERE id = $1`, [prior.rows[0].id, a.jobId])
    return { runId: prior.rows[0].id, resumed: true }
  }
  const runId = `refresh-${new Date().toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`
  // Unfinished runs of other parameters over the same endpoints are superseded: their staged rows go.
  const superseded = await pool.query<{ id: string }>(
    `UPDATE console.refresh_runs SET state = 'superseded', finished_at = now(), error = $2 WHERE state IN ('running', 'failed', 'cancelled') AND endpoints && $1::text[] RETURNING id`,
    [a.endpoints, `superseded by ${runId}`]
  )
  if (superseded.rows.length) await pool.query('DELETE FROM console.refresh_staging WHERE run_id = ANY($1)', [superseded.rows.map((r) => r.id)])
  const meta = await pool.query<{ endpoint: Endpoint; last_success_at: Date | null }>('SELECT endpoint, last_success_at FROM openfda.refresh_metadata')
  const has = await Promise.all(a.endpoints.map(async (e) => Boolean((await pool.query(`SELECT EXISTS (SELECT 1 FROM openfda.${ENDPOINT_DEFS[e].table}) AS any`)).rows[0].any)))
  await s.db.tx(a.actor, async (c) => {
    await c.query(
      `INSERT INTO console.refresh_runs (id, job_id, source, color, blue_green, endpoints, started_by, started_by_name, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'running')`,
      [runId, a.jobId, a.source, a.color, a.blueGreen, a.endpoints, a.actor.userId, a.actor.username]
    )
    for (const [i, e] of a.endpoints.entries()) {
      const last = has[i] ? (meta.rows.find((m) => m.endpoint === e)?.last_success_at ?? null) : null
      const p = planEndpoint(e, last, { full: a.opts.full, since: a.opts.since })
      await c.query(
        `INSERT INTO console.refresh_endpoints (run_id, endpoint, mode, date_field, window_from, window_to) VALUES ($1, $2, $3, $4, $5, $6)`,
        [runId, e, p.mode, p.dateField, p.from, p.to]
      )
    }
  }, pool)
  return { runId, resumed: false }
}

interface RunRef {
  runId: string
  color: Color
  manifestUrl: string
  pageSize: number
  /** Audit segment on the standby; undefined (main chain) in place. */
  segment: string | undefined
}

/**
 * A blue-green refresh starts from a prepared standby (a physical clone of the live color with its
 * operator tables replicating, docs/BLUE-GREEN.md), never from an empty one: when the standby is
 * absent, stopped or not replicating, it is prepared first, inside this job. A standby kept warm
 * for a rollback is not refreshed: that would change what a rollback returns to.
 */
async function readyStandby(s: Services, live: Color, standby: Color, actor: Actor, ctx: JobContext): Promise<void> {
  const S = standby.toUpperCase()
  const warm = s.deploy.state.read().warm
  const until = await s.deploy.warmUntil()
  if (warm?.color === standby && until && Date.parse(until) > Date.now()) {
    const why = await s.deploy.standbyNotPrepared(live, standby)
    if (!why)
      throw new StackError('INVALID_REQUEST', `${S} is kept warm for a rollback until ${until}; a blue-green refresh into it would change what a rollback returns to.`,
        `Retire ${S} after the window (\`fda-offline deploy retire\`) and run the refresh again: it prepares ${S} from ${live.toUpperCase()} first. Or refresh in place (--in-place).`)
  }
  const why = await s.deploy.standbyNotPrepared(live, standby)
  if (!why) return
  ctx.report({ phase: 'prepare', message: `${why}: preparing ${S} from ${live.toUpperCase()} first (what \`fda-offline deploy prepare\` does)` })
  await s.deploy.prepare(actor, ctx)
  const still = await s.deploy.standbyNotPrepared(live, standby)
  if (still) throw new StackError('CONTAINER_UNHEALTHY', `${S} is still not ready after preparing it: ${still}.`, 'Run `fda-offline deploy prepare` and read its job messages.')
}

async function refreshEndpoint(s: Services, pool: pg.Pool, client: OpenFdaClient, run: RunRef, endpoint: Endpoint, actor: Actor, ctx: JobContext): Promise<EndpointResult> {
  const row = (
    await pool.query<{ mode: EndpointPlan['mode']; date_field: string | null; from: string | null; to: string | null; state: string; counts: ApplyCounts | null }>(
      `SELECT mode, date_field, to_char(window_from, 'YYYY-MM-DD') AS from, to_char(window_to, 'YYYY-MM-DD') AS to, state, counts FROM console.refresh_endpoints WHERE run_id = $1 AND endpoint = $2`,
      [run.runId, endpoint]
    )
  ).rows[0]
  const plan: EndpointPlan = { endpoint, mode: row.mode, dateField: row.date_field, from: row.from, to: row.to }
  const window = plan.mode === 'date-range' ? { field: plan.dateField, from: plan.from, to: plan.to } : null
  const fetchedSoFar = async (): Promise<{ records: number; rejected: number }> => {
    const r = await pool.query<{ records: string; rejected: string }>(
      'SELECT coalesce(sum(records), 0) AS records, coalesce(sum(rejected), 0) AS rejected FROM console.refresh_units WHERE run_id = $1 AND endpoint = $2', [run.runId, endpoint]
    )
    return { records: Number(r.rows[0].records), rejected: Number(r.rows[0].rejected) }
  }
  if (row.state === 'applied') {
    ctx.report({ phase: endpoint, message: `${endpoint}: already applied by the interrupted run` })
    const f = await fetchedSoFar()
    return { endpoint, mode: plan.mode, window, ...(row.counts as ApplyCounts), fetched: f.records, rejected: f.rejected }
  }
  if (row.state === 'fetching') {
    if (plan.mode === 'date-range') await fetchWindow(s, pool, client, run, plan, actor, ctx)
    else await fetchBulk(s, pool, client, run, plan, actor, ctx)
    await pool.query(`UPDATE console.refresh_endpoints SET state = 'fetched' WHERE run_id = $1 AND endpoint = $2`, [run.runId, endpoint])
  }
  ctx.signal.throwIfAborted()
  ctx.report({ phase: endpoint, message: `${endpoint}: applying the change set to ${run.color.toUpperCase()}` })
  // Into the standby the refresh also records what the endpoint must hold afterwards (the promotion guardrail's expectation).
  const counts = await s.db.tx(actor, (c) => applyEndpoint(c, { audit: s.audit, checksumKey: s.db.checksumKey() }, { id: run.runId, color: run.color, segment: run.segment, expectation: run.segment !== undefined }, plan, actor), pool)
  const f = await fetchedSoFar()
  ctx.report({ phase: endpoint, message: `${endpoint}: ${counts.inserted} new, ${counts.updated} updated, ${counts.deleted} deleted, ${counts.unchanged} unchanged${counts.conflicts + counts.restored ? `, ${counts.conflicts} conflicts and ${counts.restored} local edits replaced by openFDA's version (kept in console.refresh_conflicts)` : ''}` })
  return { endpoint, mode: plan.mode, window, ...counts, fetched: f.records, rejected: f.rejected }
}

/** Pages of the date window, one transaction each (records + checkpoint), continuing after the last staged page. */
async function fetchWindow(s: Services, pool: pg.Pool, client: OpenFdaClient, run: RunRef, plan: EndpointPlan, actor: Actor, ctx: JobContext): Promise<void> {
  const endpoint = plan.endpoint
  const last = (
    await pool.query<{ unit_no: number; next: string | null }>('SELECT unit_no, next FROM console.refresh_units WHERE run_id = $1 AND endpoint = $2 ORDER BY unit_no DESC LIMIT 1', [run.runId, endpoint])
  ).rows[0]
  let params: OpenFdaParams | null = last ? (last.next ? (JSON.parse(last.next) as OpenFdaParams) : null) : { search: windowSearch(endpoint, plan.from!, plan.to!), limit: run.pageSize }
  let unitNo = last ? last.unit_no + 1 : 0
  let done = Number((await pool.query('SELECT coalesce(sum(records + rejected), 0) AS n FROM console.refresh_units WHERE run_id = $1 AND endpoint = $2', [run.runId, endpoint])).rows[0].n)
  while (params) {
    ctx.signal.throwIfAborted()
    const page = await client.page(endpoint, params, ctx.signal)
    const next = nextParams(params, page)
    const total = page.envelope.meta.results?.total ?? null
    const current: OpenFdaParams = params
    await s.db.tx(actor, async (c) => {
      const r = await stageRecords(c, { id: run.runId, checksumKey: s.db.checksumKey() }, endpoint, unitNo, page.envelope.results as Record<string, unknown>[])
      await c.query(
        'INSERT INTO console.refresh_units (run_id, endpoint, unit_no, unit, next, records, rejected) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [run.runId, endpoint, unitNo, JSON.stringify(current), next ? JSON.stringify(next) : null, r.staged, r.rejected]
      )
    }, pool)
    done += page.envelope.results.length
    ctx.report({ phase: endpoint, done, total, unit: 'records', message: `${endpoint}: ${done} of ${total ?? '?'} records of ${plan.from}..${plan.to} fetched` })
    params = next
    unitNo++
  }
}

/** The endpoint's bulk files from the download manifest, one transaction each; staged files are skipped on resume. */
async function fetchBulk(s: Services, pool: pg.Pool, client: OpenFdaClient, run: RunRef, plan: EndpointPlan, actor: Actor, ctx: JobContext): Promise<void> {
  const endpoint = plan.endpoint
  ctx.report({ phase: endpoint, message: `${endpoint}: reading the download manifest` })
  const partitions = partitionsOf(await client.getJson(run.manifestUrl, ctx.signal), endpoint, run.manifestUrl)
  const total = partitions.every((p) => typeof p.records === 'number') ? partitions.reduce((n, p) => n + (p.records ?? 0), 0) : null
  await pool.query('UPDATE console.refresh_endpoints SET units_total = $3 WHERE run_id = $1 AND endpoint = $2', [run.runId, endpoint, partitions.length])
  const staged = new Map(
    (await pool.query<{ unit_no: number; records: number; rejected: number }>('SELECT unit_no, records, rejected FROM console.refresh_units WHERE run_id = $1 AND endpoint = $2', [run.runId, endpoint])).rows.map((r) => [r.unit_no, r.records + r.rejected])
  )
  let done = [...staged.values()].reduce((a, b) => a + b, 0)
  const dir = join(s.home, 'refresh', run.runId)
  mkdirSync(dir, { recursive: true })
  for (const [unitNo, part] of partitions.entries()) {
    if (staged.has(unitNo)) continue
    ctx.signal.throwIfAborted()
    const name = basename(new URL(part.file).pathname) || `${endpoint}-${unitNo}.json.zip`
    const dest = join(dir, name)
    ctx.report({ phase: endpoint, done, total, unit: 'records', message: `${endpoint}: downloading ${name} (${unitNo + 1} of ${partitions.length})` })
    await client.download(part.file, dest, ctx.signal)
    const file: InputFile = { path: dest, name, size: statSync(dest).size, kind: /\.zip$/i.test(name) ? 'bulk-zip' : 'bulk-json', endpoint }
    let fileRejected = 0
    async function* records(): AsyncGenerator<Record<string, unknown>> {
      for await (const ev of readInput(file, endpoint)) {
        if (ev.type === 'record') yield ev.record
        else if (ev.type === 'reject') fileRejected++
        else if (ev.type === 'file-reject') throw new Error(`${name} (${part.file}) cannot be read at ${ev.position}: ${ev.reason}`)
      }
    }
    await s.db.tx(actor, async (c) => {
      const r = await stageRecords(c, { id: run.runId, checksumKey: s.db.checksumKey() }, endpoint, unitNo, records(), () => {
        done++
        if (done % 5000 === 0) ctx.report({ phase: endpoint, done, total, unit: 'records', message: `${endpoint}: staging ${name}` })
      })
      await c.query('INSERT INTO console.refresh_units (run_id, endpoint, unit_no, unit, next, records, rejected) VALUES ($1, $2, $3, $4, NULL, $5, $6)', [
        run.runId, endpoint, unitNo, part.file, r.staged, r.rejected + fileRejected
      ])
    }, pool)
    await rm(dest, { force: true })
    ctx.report({ phase: endpoint, done, total, unit: 'records', message: `${endpoint}: ${name} staged (${unitNo + 1} of ${partitions.length})` })
  }
  await rm(dir, { recursive: true, force: true })
}

interface Partition {
  file: string
  records?: number
}

/** `results.device.<endpoint>.partitions[].file` of openFDA's download.json. */
export function partitionsOf(manifest: unknown, endpoint: Endpoint, url: string): Partition[] {
  const device = (manifest as { results?: { device?: Record<string, { partitions?: { file?: unknown; records?: unknown }[] }> } })?.results?.device
  const parts = device?.[endpoint]?.partitions
  if (!Array.isArray(parts) || !parts.length) throw new Error(`the download manifest ${url} lists no files for device/${endpoint} (expected results.device.${endpoint}.partitions[].file)`)
  return parts.map((p, i) => {
    if (typeof p.file !== 'string') throw new Error(`the download manifest ${url}: device/${endpoint} partition ${i + 1} has no file URL`)
    return { file: p.file, records: typeof p.records === 'number' ? p.records : undefined }
  })
}
