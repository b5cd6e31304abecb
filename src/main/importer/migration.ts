import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type pg from 'pg'
import type { Services } from '../app/services'
import type { Actor } from '../db/database'
import { recordRefresh } from '../db/records'
import type { JobContext } from '../jobs/job-manager'
import { EXTRACTED_COLUMNS, ENDPOINT_DEFS, ENDPOINTS, type Endpoint } from '../openfda/endpoints'
import { PGP_OPTIONS, stagingKey, stagingOpenSql } from '../openfda/sensitive'
import { StackError } from '../stack/stack-error'
import { backupSource } from './backup-source'
import { preflight, type Check } from './preflight'
import { rejectsCsv } from './reject-report'
import { scanSource, type InputFile } from './sources'
import { stageFile, type Reject } from './stage'
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
  records: { read: number; rejected: number; inserted: number; updated: number; unchanged: number }
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
 * load (each file staged in its own transaction), merge (each endpoint in its own transaction),
 * index, verify. Every step records what it did in the same transaction, so `resume` continues a
 * killed run to the same final state.
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
    for (const [i, f] of files.entries())
      await c.query('INSERT INTO console.import_files (run_id, file_no, path, size, kind, endpoint, status) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        runId, i, f.path, f.size, f.kind, f.endpoint, 'pending'
      ])
    await s.audit.record(actor, { action: 'migration.start', targetType: 'migration', targetKey: runId, after: { source, files: files.length, bytes: files.reduce((n, f) => n + f.size, 0) } }, c)
    return false
  }, db)
  const fileRows = (await db.query<{ file_no: number; path: string; size: string; kind: string; endpoint: Endpoint | null; status: string; records: number }>(
    'SELECT file_no, path, size, kind, endpoint, status, records FROM console.import_files WHERE run_id = $1 ORDER BY file_no', [runId]
  )).rows
  const inputs: InputFile[] = fileRows.map((r) => ({ path: r.path, name: r.path.split('/').pop()!, size: Number(r.size), kind: r.kind as InputFile['kind'], endpoint: r.endpoint }))

  // Tables empty at the start get their secondary indexes after the load (recorded, so a resumed run rebuilds them).
  await deferIndexesOfEmptyTables(s, db, runId, resumed)

  // ---- load: one transaction per file ----
  const totalBytes = inputs.reduce((n, f) => n + f.size, 0)
  const loadStart = Date.now()
  let bytesDone = 0
  let recordsDone = 0
  const staged = new Map<number, number>((await db.query<{ file_no: number; n: string }>(
    'SELECT file_no, count(*) AS n FROM console.import_staging WHERE run_id = $1 GROUP BY file_no', [runId]
  )).rows.map((r) => [r.file_no, Number(r.n)]))
  for (const [i, f] of inputs.entries()) {
    if (ctx.signal.aborted) throw new Error('cancelled')
    const row = fileRows[i]
    // Done already, unless it was staged and the (unlogged) staging rows were lost in a crash.
    const done = row.status === 'rejected' || row.status === 'skipped' || (row.status === 'staged' && (staged.get(row.file_no) ?? 0) === row.records)
    if (done) {
      bytesDone += f.size
      recordsDone += row.records
      continue
    }
    const base = bytesDone
    const recordsBefore = recordsDone
    await s.db.transaction(async (c) => {
      await c.query('DELETE FROM console.import_staging WHERE run_id = $1 AND file_no = $2', [runId, row.file_no])
      let fileBytes = 0
      const r = await stageFile(c, { id: runId, checksumKey: s.db.checksumKey(), endpointHint: o.endpoint }, f, row.file_no, (bytes) => {
        recordsDone++
        fileBytes = Math.min(f.size, fileBytes + bytes)
        if (recordsDone % 2000 === 0)
          ctx.report({ phase: 'load', done: base + fileBytes, total: totalBytes, unit: 'bytes', message: progressLine(i, inputs.length, recordsDone, loadStart) })
      })
      if (r.status === 'rejected') throw new RejectedFile(r.rejects)
      await recordFile(c, runId, row.file_no, r.status, r.endpoint, r.cachedAt, r.records, r.rejects, r.note)
      return r
    }, db).catch(async (e) => {
      if (!(e instanceof RejectedFile)) throw e
      // The file's rows were rolled back; record the rejection on its own.
      await s.db.transaction((c) => recordFile(c, runId, row.file_no, 'rejected', null, null, 0, e.rejects, null), db)
      recordsDone = recordsBefore
    })
    bytesDone += f.size
    ctx.report({ phase: 'load', done: bytesDone, total: totalBytes, unit: 'bytes', message: progressLine(i, inputs.length, recordsDone, loadStart) })
  }

  lap('preflight, scan and load')

  // ---- merge: one transaction per endpoint; the newest cached copy of a key wins ----
  const mergedAlready = (await db.query<{ merged: string[] }>('SELECT merged FROM console.import_runs WHERE id = $1', [runId])).rows[0].merged
  const endpoints = (await db.query<{ endpoint: Endpoint }>('SELECT DISTINCT endpoint FROM console.import_staging WHERE run_id = $1', [runId])).rows.map((r) => r.endpoint)
  const counts = { inserted: 0, updated: 0, unchanged: 0 }
  for (const [i, endpoint] of ENDPOINTS.filter((e) => endpoints.includes(e)).entries()) {
    if (ctx.signal.aborted) throw new Error('cancelled')
    ctx.report({ phase: 'merge', done: i, total: endpoints.length, unit: 'endpoints', message: `merging ${endpoint}` })
    if (mergedAlready.includes(endpoint)) continue
    const r = await s.db.tx(actor, (c) => mergeEndpoint(s, c, runId, endpoint, actor), db)
    counts.inserted += r.inserted
    counts.updated += r.updated
    counts.unchanged += r.unchanged
  }

  lap('merge')

  // ---- index: build what was deferred ----
  ctx.report({ phase: 'index', message: 'building indexes of the tables that started empty' })
  await buildDeferredIndexes(s, db, runId)

  lap('index')

  // ---- verify ----
  ctx.report({ phase: 'verify', message: 'comparing keys and re-computing checksums' })
  const verification = await verifyRun(s, runId, (m) => ctx.report({ phase: 'verify', message: m }))
  const verified = verification.every((v) => v.ok)
  lap('verify')

  // ---- summary, reject report, audit ----
  const files2 = (await db.query<{ status: string; n: string; records: string }>(
    'SELECT status, count(*) AS n, coalesce(sum(records), 0) AS records FROM console.import_files WHERE run_id = $1 GROUP BY status', [runId]
  )).rows
  const rejects = (await db.query<Reject & { position: string }>('SELECT file, position, key, reason FROM console.import_rejects WHERE run_id = $1 ORDER BY at, file', [runId])).rows
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
    records: { read: Number(files2.reduce((n, x) => n + Number(x.records), 0)) + recordRejects, rejected: recordRejects, ...counts },
    rejectsByReason, verification, verified, rejectReport, backup, timings, seconds: (Date.now() - started) / 1000
  }
  const auditSeq = await s.db.tx(actor, async (c) => {
    const entry = await s.audit.record(actor, { action: 'migration.complete', targetType: 'migration', targetKey: runId, after: { ...summary, verification: summary.verification.map(({ endpoint, expected, present, checksumMismatches, ok }) => ({ endpoint, expected, present, checksumMismatches, ok })) } }, c)
    await c.query("UPDATE console.import_runs SET state = $2, phase = 'done', finished_at = now(), summary = $3 WHERE id = $1", [runId, verified ? 'succeeded' : 'failed', JSON.stringify({ ...summary, auditSeq: entry.seq })])
    await c.query('DELETE FROM console.import_staging WHERE run_id = $1', [runId])
    return entry.seq
  }, db)
  writeFileSync(join(reportDir, 'summary.json'), JSON.stringify({ ...summary, auditSeq }, null, 2))
  return { ...summary, auditSeq }
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

async function recordFile(c: pg.ClientBase, runId: string, fileNo: number, status: string, endpoint: Endpoint | null, cachedAt: number | null, records: number, rejects: Reject[], note: string | null): Promise<void> {
  await c.query('UPDATE console.import_files SET status = $3, endpoint = coalesce($4, endpoint), cached_at = $5, records = $6, rejected = $7, note = $8 WHERE run_id = $1 AND file_no = $2', [
    runId, fileNo, status, endpoint, cachedAt, records, rejects.length, note
  ])
  await c.query('DELETE FROM console.import_rejects WHERE run_id = $1 AND file = (SELECT path FROM console.import_files WHERE run_id = $1 AND file_no = $2)', [runId, fileNo])
  for (const r of rejects)
    await c.query('INSERT INTO console.import_rejects (run_id, file, position, key, reason) VALUES ($1, $2, $3, $4, $5)', [runId, r.file, r.position, r.key, r.reason])
}

async function lastUnfinishedRun(db: pg.Pool, source: string): Promise<string | null> {
  const r = await db.query<{ id: string }>("SELECT id FROM console.import_runs WHERE source = $1 AND state <> 'succeeded' ORDER BY started_at DESC LIMIT 1", [source])
  return r.rows[0]?.id ?? null
}

async function mergeEndpoint(s: Services, c: pg.PoolClient, runId: string, endpoint: Endpoint, actor: Actor) {
  const def = ENDPOINT_DEFS[endpoint]
  const table = `openfda.${def.table}`
  const keyCols = endpoint === 'udi' ? ['record_key', 'key_source'] : def.keyColumns
  const extracted = EXTRACTED_COLUMNS.filter((x) => !keyCols.includes(x))
  const target = [...keyCols, 'record', 'sensitive', 'checksum', 'source', ...extracted]
  const select = [
    ...keyCols.map((k) => `key ->> '${k}'`), 'record::jsonb',
    `CASE WHEN sensitive IS NULL THEN NULL ELSE pgp_sym_encrypt(${stagingOpenSql('sensitive', '$3')}, $2, '${PGP_OPTIONS}') END`, 'st.checksum', `'import:' || $1`, ...extracted
  ]
  const updates = target.filter((x) => !def.keyColumns.includes(x)).map((x) => `${x} = EXCLUDED.${x}`)
  await c.query("SELECT set_config('fda.bulk_job', $1, true)", [runId])
  // Room to sort and hash the winners in memory (this transaction only).
  await c.query("SET LOCAL work_mem = '256MB'")
  // DISTINCT ON key: the most recently cached copy wins; ties go to the later file, then the later record.
  const r = await c.query<{ inserted: string; written: string; total: string; digest: string }>(
    `WITH winners AS (
       -- Sorting narrow tuples only; the (large) records are joined back afterwards.
       SELECT DISTINCT ON (key_text) file_no, ord, key_text, checksum FROM console.import_staging WHERE run_id = $1 AND endpoint = '${endpoint}'
        ORDER BY key_text, cached_at DESC, file_no DESC, ord DESC),
     written AS (
       INSERT INTO ${table} AS t (${target.join(', ')})
       SELECT ${select.join(', ')} FROM console.import_staging st JOIN winners w USING (file_no, ord) WHERE st.run_id = $1 AND st.endpoint = '${endpoint}'
       ON CONFLICT (${def.keyColumns.join(', ')}) DO UPDATE SET ${updates.join(', ')} WHERE t.checksum <> EXCLUDED.checksum
       RETURNING (xmax = 0) AS inserted)
     SELECT (SELECT count(*) FILTER (WHERE inserted) FROM written) AS inserted, (SELECT count(*) FROM written) AS written,
            (SELECT count(*) FROM winners) AS total,
            (SELECT encode(sha256(convert_to(coalesce(string_agg(key_text || E'\\t' || checksum, E'\\n' ORDER BY key_text), ''), 'UTF8')), 'hex') FROM winners) AS digest`,
    [runId, s.db.checksumKey(), stagingKey(s.db.checksumKey())]
  )
  const x = r.rows[0]
  const result = { inserted: Number(x.inserted), updated: Number(x.written) - Number(x.inserted), unchanged: Number(x.total) - Number(x.written) }
  await recordRefresh(c, endpoint, result)
  await c.query('UPDATE console.import_runs SET merged = array_append(merged, $2) WHERE id = $1', [runId, endpoint])
  await s.audit.record(actor, { action: 'migration.batch', targetType: 'endpoint', targetKey: endpoint, after: { run: runId, keys: Number(x.total), ...result, digest: x.digest } }, c)
  return result
}

/** Drops the secondary indexes of endpoint tables that are empty now, remembering their definitions. */
async function deferIndexesOfEmptyTables(s: Services, db: pg.Pool, runId: string, resumed: boolean): Promise<void> {
  if (resumed) return // the first attempt decided; buildDeferredIndexes finishes the job
  await s.db.admin('blue', async (c) => {
    for (const e of ENDPOINTS) {
      const table = ENDPOINT_DEFS[e].table
      const empty = await c.query(`SELECT NOT EXISTS (SELECT 1 FROM openfda.${table}) AS empty`)
      if (!empty.rows[0].empty) continue
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
  await s.db.admin('blue', async (c) => {
    await c.query("SET maintenance_work_mem = '512MB'")
    for (const d of defs) await c.query(d.replace(/^CREATE INDEX /, 'CREATE INDEX IF NOT EXISTS '))
    await c.query('ANALYZE openfda.device_510k, openfda.device_classification, openfda.device_event, openfda.device_recall, openfda.device_pma, openfda.device_udi, openfda.device_enforcement')
  })
}

export type { Check }

/** The summary of the run a job carried out (stored with the run). */
export async function summaryOfJob(s: Services, jobId: string): Promise<MigrationSummary | null> {
  const r = await s.db.app().query<{ summary: MigrationSummary | null; id: string }>('SELECT id, summary FROM console.import_runs WHERE job_id = $1', [jobId])
  return r.rows[0]?.summary ?? null
}
