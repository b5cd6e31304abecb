import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type pg from 'pg'
import type { Services } from '../app/services'
import type { Actor } from '../db/database'
import { recordRefresh } from '../db/records'
import type { JobContext } from '../jobs/job-manager'
import { ENDPOINT_DEFS, ENDPOINTS, type Endpoint } from '../openfda/endpoints'
import { StackError } from '../stack/stack-error'
import { backupSource } from './backup-source'
import { preflight, type Check } from './preflight'
import { REJECT_ORDER, rejectsCsv } from './reject-report'
import { scanSource, type InputFile } from './sources'
import { loadFile, preparable, prepareFile, type FileRows, type LoadedFile, type Reject } from './load-file'
import { PreparePool } from './prepare-pool'
import { verifyRun, type EndpointVerification } from './verify'

export interface MigrationOptions {
  source: string
  endpoint: Endpoint | null
  resume: boolean
  backup?: boolean
}

export interface MigrationSummary {
  runId: string
  source: string
  files: { total: number; staged: number; rejected: number; skipped: number }
  /** superseded: older copies of keys that a newer file also held (the newest copy is kept). */
  records: { read: number; rejected: number; inserted: number; updated: number; unchanged: number; superseded: number }
  rejectsByReason: Record<string, number>
  verification: EndpointVerification[]
  verified: boolean
  rejectReport: string
  backup: { file: string; sha256: string; bytes: number } | null
  /** seconds per phase */
  timings: Record<string, number>
  seconds: number
  auditSeq: number
}


export const reportDirFor = (s: Services, runId: string) => join(s.home, 'imports', runId)

/**
 * A migration of a JSON cache (or bulk downloads, or NDJSON) into the mirror: pre-flight, scan,
 * load (each file in its own transaction, newest cached file first, straight into the endpoint
 * tables), index, verify. Every step records what it did in the same transaction, so `resume`
 * continues a killed run to the same final state.
 */
export async function runMigration(s: Services, o: MigrationOptions, actor: Actor, ctx: JobContext): Promise<MigrationSummary> {
  const started = Date.now()
  const timings: Record<string, number> = {}
  let mark = started
  const lap = (phase: string) => {
    timings[phase] = (Date.now() - mark) / 1000
    mark = Date.now()
  }
  const source = resolve(o.source)
  const db = s.db.bulk()

  // ---- pre-flight ----
  ctx.report({ phase: 'preflight', message: 'checking Docker, BLUE, the schema, disk and the report folder' })
  let files: InputFile[]
  try {
    files = scanSource(source, o.endpoint)
  } catch (e) {
    throw new StackError('INVALID_REQUEST', (e as Error).message, (e as { fix?: string }).fix ?? 'Choose another source.')
  }
  const runId = (o.resume ? await lastUnfinishedRun(db, source) : null) ?? `import-${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}-${randomBytes(3).toString('hex')}`
  const reportDir = reportDirFor(s, runId)
  const failed = (await preflight(s, files, reportDir)).filter((c) => !c.ok)
  if (failed.length) throw new StackError('INVALID_REQUEST', `pre-flight failed: ${failed.map((c) => `${c.name} (${c.detail})`).join('; ')}`, failed.map((c) => c.fix).join(' '))

  let backup: MigrationSummary['backup'] = null
  if (o.backup) {
    ctx.report({ phase: 'preflight', message: `backing up ${source} to a .tar.gz` })
    mkdirSync(reportDir, { recursive: true })
    backup = await backupSource(source, reportDir, runId)
    ctx.report({ phase: 'preflight', message: `backup ${backup.file} (SHA-256 ${backup.sha256})` })
  }

  // ---- scan: the run and its files, created once; a resumed run keeps its own list ----
  ctx.report({ phase: 'scan', done: 0, total: files.length, unit: 'files', message: `${files.length} files in ${source}` })
  const resumed = await s.db.tx(actor, async (c) => {
    const exists = await c.query('SELECT 1 FROM console.import_runs WHERE id = $1', [runId])
    if (exists.rowCount) {
      await c.query("UPDATE console.import_runs SET state = 'running', job_id = $2 WHERE id = $1", [runId, ctx.jobId])
      return true
    }
    await c.query('INSERT INTO console.import_runs (id, job_id, source, endpoint_hint, started_by, started_by_name, state) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      runId, ctx.jobId, source, o.endpoint, actor.userId, actor.username, 'running'
    ])
    // The load order: newest cached first (ties: the later file), fixed here so a resumed run keeps it.
    const order = files.map((f, i) => ({ i, at: cachedAtForOrder(f) })).sort((a, b) => b.at - a.at || b.i - a.i)
    for (const [n, { i, at }] of order.entries()) {
      const f = files[i]
      await c.query('INSERT INTO console.import_files (run_id, file_no, path, size, kind, endpoint, status, cached_at, load_order) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
        runId, i, f.path, f.size, f.kind, f.endpoint, 'pending', at, n
      ])
    }
    await s.audit.record(actor, { action: 'migration.start', targetType: 'migration', targetKey: runId, after: { source, files: files.length, bytes: files.reduce((n, f) => n + f.size, 0) } }, c)
    return false
  }, db)
  const fileRows = (await db.query<{ file_no: number; load_order: number; path: string; size: string; kind: string; endpoint: Endpoint | null; status: string; records: number }>(
    'SELECT file_no, load_order, path, size, kind, endpoint, status, records FROM console.import_files WHERE run_id = $1 ORDER BY load_order', [runId]
  )).rows
  const inputs: InputFile[] = fileRows.map((r) => ({ path: r.path, name: r.path.split('/').pop()!, size: Number(r.size), kind: r.kind as InputFile['kind'], endpoint: r.endpoint }))

  // Tables empty at the start get their secondary indexes after the load (recorded, so a resumed run rebuilds them).
  await deferIndexesOfEmptyTables(s, db, runId, resumed)

  // ---- load: one transaction per file, committed newest first ----
  const totalBytes = inputs.reduce((n, f) => n + f.size, 0)
  const loadStart = Date.now()
  let bytesDone = 0
  let recordsDone = 0
  const fresh = (await db.query<{ fresh_endpoints: Endpoint[] }>('SELECT fresh_endpoints FROM console.import_runs WHERE id = $1', [runId])).rows[0].fresh_endpoints
  const run = { id: runId, checksumKey: s.db.checksumKey(), endpointHint: o.endpoint, fresh: new Set(fresh) }
  const pending = inputs.map((_, i) => i).filter((i) => fileRows[i].status === 'pending')
  for (const [i, f] of inputs.entries()) {
    if (fileRows[i].status === 'pending') continue
    bytesDone += f.size
    recordsDone += fileRows[i].records
  }
  // The next files are prepared (by worker threads when the build has them) while PostgreSQL copies
  // and writes this one, so every core is busy. At most `depth` files wait in memory.
  const pool = PreparePool.open()
  const depth = pool ? pool.threads + 1 : 1
  const ahead = new Map<number, Promise<FileRows | null>>()
  const readAhead = (i: number | undefined) => {
    if (i === undefined || ahead.has(i)) return
    const p = !preparable(inputs[i]) ? Promise.resolve(null) : pool ? pool.prepare(run, inputs[i]) : prepareFile(run, inputs[i], () => {})
    p.catch(() => {}) // awaited when its turn comes; never an unhandled rejection meanwhile
    ahead.set(i, p)
  }
  // Two files in flight, on the bulk pool's two connections: while one file's rows are written into
  // its endpoint table, the next one is already copied into its temporary table. A file writes only
  // after the previous one committed, so files still commit one by one, newest first.
  const loadOne = async (n: number, i: number, prepared: FileRows | null, previous: Promise<void>): Promise<void> => {
    const f = inputs[i]
    const row = fileRows[i]
    let live = 0 // records and bytes of a streamed file, for progress while it loads
    let liveBytes = 0
    const nth = inputs.length - pending.length + n
    const r = await s.db.tx(actor, async (c) => {
      // No wait for the WAL flush at each file's commit: a crash can lose the last files' commits,
      // but each file commits whole with its own record of being done, so --resume loads them again.
      await c.query("SELECT set_config('fda.bulk_job', $1, true), set_config('synchronous_commit', 'off', true)", [runId])
      const r = await loadFile(c, run, f, row.load_order, (bytes) => {
        liveBytes += bytes
        if (++live % 2000 === 0)
          ctx.report({ phase: 'load', done: bytesDone + Math.min(f.size, liveBytes), total: totalBytes, unit: 'bytes', message: progressLine(nth, inputs.length, recordsDone + live, loadStart) })
      }, { prepared, previous })
      if (r.status === 'rejected') throw new RejectedFile(r.rejects)
      await recordFile(c, runId, row.file_no, r)
      if (r.status === 'loaded')
        await s.audit.record(actor, {
          action: 'migration.batch', targetType: 'endpoint', targetKey: r.endpoint!,
          after: { run: runId, file: f.name, records: r.records, inserted: r.inserted, updated: r.updated, unchanged: r.unchanged, rejected: r.rejects.length, digest: r.digest }
        }, c)
      return r
    }, db).catch(async (e) => {
      if (!(e instanceof RejectedFile)) throw e
      // The file's rows were rolled back; record the rejection on its own.
      await s.db.transaction((c) => recordFile(c, runId, row.file_no, { status: 'rejected', endpoint: null, cachedAt: null, records: 0, inserted: 0, updated: 0, unchanged: 0, rejects: e.rejects, note: null }), db)
      return null
    })
    await previous // done means: this file and every one before it
    bytesDone += f.size
    recordsDone += r?.records ?? 0
    ctx.report({ phase: 'load', done: bytesDone, total: totalBytes, unit: 'bytes', message: progressLine(nth, inputs.length, recordsDone, loadStart) })
  }
  let previous: Promise<void> = Promise.resolve() // the last file started: done when it committed
  let beforeThat: Promise<void> = Promise.resolve()
  try {
    for (const [n, i] of pending.entries()) {
      if (ctx.signal.aborted) throw new Error('cancelled')
      readAhead(i)
      const prepared = await ahead.get(i)!
      ahead.delete(i)
      for (let k = 1; k <= depth; k++) readAhead(pending[n + k]) // read while this one is copied and written
      await beforeThat // a connection is free (and a failure stops the load here)
      const started = loadOne(n, i, prepared, previous)
      started.catch(() => {}) // awaited below (or by the next file); never an unhandled rejection meanwhile
      beforeThat = previous
      previous = started
    }
    await previous
  } finally {
    await Promise.allSettled([beforeThat, previous])
    await pool?.close()
  }

  // Counts per endpoint over the whole run (a resumed run adds up what its first attempt committed).
  const perEndpoint = (await db.query<{ endpoint: Endpoint; inserted: string; updated: string; unchanged: string }>(
    "SELECT endpoint, sum(inserted) AS inserted, sum(updated) AS updated, sum(unchanged) AS unchanged FROM console.import_files WHERE run_id = $1 AND status = 'staged' GROUP BY endpoint", [runId]
  )).rows
  const counts = { inserted: 0, updated: 0, unchanged: 0 }
  await s.db.transaction(async (c) => {
    for (const e of perEndpoint) {
      const n = { inserted: Number(e.inserted), updated: Number(e.updated), unchanged: Number(e.unchanged) }
      counts.inserted += n.inserted
      counts.updated += n.updated
      counts.unchanged += n.unchanged
      await recordRefresh(c, e.endpoint, n)
    }
  }, db)

  lap('preflight, scan and load')


  // ---- index: build what was deferred ----
  ctx.report({ phase: 'index', message: 'building indexes of the tables that started empty' })
  await buildDeferredIndexes(s, db, runId)

  lap('index')

  // ---- verify ----
  ctx.report({ phase: 'verify', message: 'comparing keys and re-computing checksums' })
  const verification = await verifyRun(s, runId, (m) => ctx.report({ phase: 'verify', message: m }))
  const verified = verification.every((v) => v.ok)
  const superseded = verification.reduce((n, v) => n + v.superseded, 0)
  counts.unchanged -= superseded // older copies changed nothing, but they were not "unchanged" records either
  lap('verify')

  // ---- summary, reject report, audit ----
  const files2 = (await db.query<{ status: string; n: string; records: string }>(
    'SELECT status, count(*) AS n, coalesce(sum(records), 0) AS records FROM console.import_files WHERE run_id = $1 GROUP BY status', [runId]
  )).rows
  const rejects = (await db.query<Reject & { position: string }>(`SELECT file, position, key, reason FROM console.import_rejects WHERE run_id = $1 ORDER BY ${REJECT_ORDER}`, [runId])).rows
  const rejectsByReason: Record<string, number> = {}
  for (const r of rejects) {
    const k = r.reason.replace(/\s*\(.*?\)/g, '').replace(/\\u[0-9a-f]{4}/gi, '\\uXXXX').trim()
    rejectsByReason[k] = (rejectsByReason[k] ?? 0) + 1
  }
  mkdirSync(reportDir, { recursive: true })
  const rejectReport = join(reportDir, 'rejects.csv')
  writeFileSync(rejectReport, rejectsCsv(rejects))
  const by = (st: string) => Number(files2.find((x) => x.status === st)?.n ?? 0)
  const recordRejects = rejects.filter((r) => /^(record|line) /.test(r.position)).length
  const summary: Omit<MigrationSummary, 'auditSeq'> = {
    runId, source,
    files: { total: inputs.length, staged: by('staged'), rejected: by('rejected'), skipped: by('skipped') },
    // Records: what was read from the files that were not rejected whole (those are counted under files).
    records: { read: Number(files2.reduce((n, x) => n + Number(x.records), 0)) + recordRejects, rejected: recordRejects, ...counts, superseded },
    rejectsByReason, verification, verified, rejectReport, backup, timings, seconds: (Date.now() - started) / 1000
  }
  const auditSeq = await s.db.tx(actor, async (c) => {
    const entry = await s.audit.record(actor, { action: 'migration.complete', targetType: 'migration', targetKey: runId, after: { ...summary, verification: summary.verification.map(({ endpoint, expected, present, checksumMismatches, ok }) => ({ endpoint, expected, present, checksumMismatches, ok })) } }, c)
    await c.query("UPDATE console.import_runs SET state = $2, phase = 'done', finished_at = now(), summary = $3 WHERE id = $1", [runId, verified ? 'succeeded' : 'failed', JSON.stringify({ ...summary, auditSeq: entry.seq })])
    await c.query('DELETE FROM console.import_keys WHERE run_id = $1', [runId])
    return entry.seq
  }, db)
  writeFileSync(join(reportDir, 'summary.json'), JSON.stringify({ ...summary, auditSeq }, null, 2))
  return { ...summary, auditSeq }
}

/** When a file was cached, for the load order: from the envelope (its head, else the whole file), else the file's time. */
function cachedAtForOrder(f: InputFile): number {
  if (f.cachedAtInHead !== undefined) return f.cachedAtInHead
  if (f.kind === 'cache') {
    try {
      const at = (JSON.parse(readFileSync(f.path, 'utf8').replace(/^\uFEFF/, '')) as { _cached_at?: unknown })._cached_at
      if (typeof at === 'number') return at
    } catch {
      // not JSON: the load rejects it and says why; its place in the order does not matter
    }
  }
  return statSync(f.path).mtimeMs / 1000
}

function progressLine(i: number, files: number, records: number, since: number): string {
  const perSecond = Math.round(records / Math.max(0.001, (Date.now() - since) / 1000))
  return `file ${i + 1} of ${files}, ${records.toLocaleString('en-US')} records (${perSecond.toLocaleString('en-US')} records/s)`
}

class RejectedFile extends Error {
  constructor(readonly rejects: Reject[]) {
    super('file rejected')
  }
}

type FileOutcome = Pick<LoadedFile, 'status' | 'endpoint' | 'cachedAt' | 'records' | 'inserted' | 'updated' | 'unchanged' | 'rejects' | 'note'>

async function recordFile(c: pg.ClientBase, runId: string, fileNo: number, r: FileOutcome): Promise<void> {
  const rejects = r.rejects
  // 'staged' is the stored name of a loaded file (kept from the first schema).
  await c.query(
    `UPDATE console.import_files SET status = $3, endpoint = coalesce($4, endpoint), cached_at = coalesce($5, cached_at), records = $6, rejected = $7, note = $8,
            inserted = $9, updated = $10, unchanged = $11 WHERE run_id = $1 AND file_no = $2`,
    [runId, fileNo, r.status === 'loaded' ? 'staged' : r.status, r.endpoint, r.cachedAt, r.records, rejects.length, r.note, r.inserted, r.updated, r.unchanged]
  )
  await c.query('DELETE FROM console.import_rejects WHERE run_id = $1 AND file = (SELECT path FROM console.import_files WHERE run_id = $1 AND file_no = $2)', [runId, fileNo])
  for (const r of rejects)
    await c.query('INSERT INTO console.import_rejects (run_id, file, position, key, reason) VALUES ($1, $2, $3, $4, $5)', [runId, r.file, r.position, r.key, r.reason])
}

async function lastUnfinishedRun(db: pg.Pool, source: string): Promise<string | null> {
  const r = await db.query<{ id: string }>("SELECT id FROM console.import_runs WHERE source = $1 AND state <> 'succeeded' ORDER BY started_at DESC LIMIT 1", [source])
  return r.rows[0]?.id ?? null
}

/** Notes which endpoint tables are empty now, and drops their secondary indexes, remembering their definitions. */
async function deferIndexesOfEmptyTables(s: Services, db: pg.Pool, runId: string, resumed: boolean): Promise<void> {
  if (resumed) return // the first attempt decided; buildDeferredIndexes finishes the job
  await s.db.adminLive(async (c) => {
    for (const e of ENDPOINTS) {
      const table = ENDPOINT_DEFS[e].table
      const empty = await c.query(`SELECT NOT EXISTS (SELECT 1 FROM openfda.${table}) AS empty`)
      if (!empty.rows[0].empty) continue
      await db.query('UPDATE console.import_runs SET fresh_endpoints = array_append(fresh_endpoints, $2) WHERE id = $1', [runId, e])
      const idx = await c.query<{ indexname: string; indexdef: string }>(
        `SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class ic ON ic.relname = i.indexname JOIN pg_index x ON x.indexrelid = ic.oid
          WHERE i.schemaname = 'openfda' AND i.tablename = $1 AND NOT x.indisprimary`, [table]
      )
      if (!idx.rows.length) continue
      // Recorded before dropping: a crash in between leaves indexes that CREATE IF NOT EXISTS will skip.
      await db.query('UPDATE console.import_runs SET deferred_indexes = deferred_indexes || $2::jsonb WHERE id = $1', [runId, JSON.stringify(idx.rows.map((r) => r.indexdef))])
      await c.query(`DROP INDEX ${idx.rows.map((r) => `openfda.${r.indexname}`).join(', ')}`)
    }
  })
}

async function buildDeferredIndexes(s: Services, db: pg.Pool, runId: string): Promise<void> {
  const r = await db.query<{ deferred_indexes: string[] }>('SELECT deferred_indexes FROM console.import_runs WHERE id = $1', [runId])
  const defs = r.rows[0].deferred_indexes
  if (!defs.length) return
  // Two sessions take indexes from one queue, largest tables first: GIN builds use one core each,
  // and this machine has two (PostgreSQL 15 builds only B-tree indexes in parallel by itself).
  const sizes = new Map((await s.db.adminLive((c) => c.query<{ relname: string; bytes: string }>(
    "SELECT c.relname, pg_total_relation_size(c.oid) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'openfda' AND c.relkind = 'r'"
  ))).rows.map((r) => [r.relname, Number(r.bytes)]))
  const sizeOf = (d: string) => sizes.get(/ ON openfda\.(\w+)/.exec(d)?.[1] ?? '') ?? 0
  const queue = [...defs].sort((a, b) => sizeOf(b) - sizeOf(a))
  const build = () =>
    s.db.adminLive(async (c) => {
      await c.query("SET maintenance_work_mem = '512MB'")
      for (let d = queue.shift(); d; d = queue.shift()) await c.query(d.replace(/^CREATE INDEX /, 'CREATE INDEX IF NOT EXISTS '))
    })
  await Promise.all([build(), build()])
  await s.db.adminLive((c) => c.query(`ANALYZE ${ENDPOINTS.map((e) => `openfda.${ENDPOINT_DEFS[e].table}`).join(', ')}`))
}

export type { Check }

/** The summary of the run a job carried out (stored with the run). */
export async function summaryOfJob(s: Services, jobId: string): Promise<MigrationSummary | null> {
  const r = await s.db.app().query<{ summary: MigrationSummary | null; id: string }>('SELECT id, summary FROM console.import_runs WHERE job_id = $1', [jobId])
  return r.rows[0]?.summary ?? null
}
