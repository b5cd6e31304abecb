import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { bringStackUp } from '../app/lifecycle'
import { createServices } from '../app/services'
import { runMigration } from '../importer/migration'
import { EXTRACTED_COLUMNS, ENDPOINT_DEFS } from '../openfda/endpoints'
import { IMPORT_MIX, writeImportInputApart } from './import-input'
import { saveBenchResults } from './save-results'
import { quietJob, releaseBenchStack } from './bench-stack'

const run = promisify(execFile)

/** A full garbage collection (V8 allows it from a fresh context once the flag is set). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
}

export interface ImportBenchOptions {
  records: number
  keep: boolean
  /** Where to write the result file (null: do not write one; the suite stores its own). */
  resultsDir: string | null
  log: (line: string) => void
  /** Cancels the import (the suite's job); the stack is removed all the same. */
  signal?: AbortSignal
  /** The bench stack's ports (default 58420/58421/58430). */
  ports?: { blue: number; green: number; pgbouncer: number }
}

/**
 * The console's import pipeline against `psql \copy` of the same rows into identical tables with
 * identical indexes built after the load, side by side in one run on a stack of its own.
 */
export async function runImportBench(o: ImportBenchOptions) {
  const work = mkdtempSync(join(tmpdir(), 'fda-import-bench-'))
  const home = join(work, 'home')
  const cache = join(work, 'cache')
  const tsvDir = join(work, 'tsv')
  mkdirSync(home)
  mkdirSync(cache)
  mkdirSync(tsvDir)
  const stackName = `fdabench-${randomBytes(3).toString('hex')}`
  writeFileSync(join(home, 'settings.json'), JSON.stringify({ stackName, ports: o.ports ?? { blue: 58420, green: 58421, pgbouncer: 58430 } }))
  const s = createServices({ host: 'cli', home })
  const actor = { userId: null, username: 'bench', client: 'cli' as const }
  try {
    o.log(`bench stack ${stackName}: starting`)
    await bringStackUp(s, { green: false, samples: false }, actor, quietJob('bench-up'))
    const postgres = (await s.db.admin('blue', (c) => c.query<{ server_version: string }>('SHOW server_version'))).rows[0].server_version

    // ---- the input: an earlier-tool cache, and the same rows as TSV for psql ----
    const t0 = Date.now()
    const { files, bytes } = await writeImportInputApart(o.records, cache, tsvDir, s.db.checksumKey())
    o.log(`wrote ${o.records} records as ${files} cache files (${(bytes / 2 ** 20).toFixed(0)} MiB) in ${((Date.now() - t0) / 1000).toFixed(0)} s`)

    // ---- the console's pipeline ----
    collectGarbage() // what generating the input left behind is not the pipeline's memory
    const baseline = process.memoryUsage().rss
    let peak = baseline
    // RSS of the whole process: the main thread, the import's worker threads and native memory
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100)
    const p0 = Date.now()
    const summary = await runMigration(s, { source: cache, endpoint: null, resume: false }, actor, { ...quietJob('bench-import'), signal: o.signal ?? new AbortController().signal })
    const pipelineSeconds = (Date.now() - p0) / 1000
    clearInterval(sampler)
    o.log(`pipeline: ${summary.records.inserted} records in ${pipelineSeconds.toFixed(1)} s (${Math.round(summary.records.inserted / pipelineSeconds)} records/s, ${(bytes / 2 ** 20 / pipelineSeconds).toFixed(1)} MiB/s), verified: ${summary.verified}, peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB (${(baseline / 2 ** 20).toFixed(0)} MiB at the start)`)
    o.log(`  phases: ${Object.entries(summary.timings).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')}`)

    // ---- psql \copy of the same rows into identical tables, indexes built after the load ----
    const t = s.stack.target('blue')
    const psql = (sql: string) => run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(t.port), '-U', t.user, '-d', 'mirror', '-c', sql], { env: { ...process.env, PGPASSWORD: t.password }, maxBuffer: 1 << 26 })
    const indexDefs = (await s.db.admin('blue', (c) => c.query<{ tablename: string; indexdef: string }>(
      "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'openfda' AND tablename LIKE 'device_%' AND indexname NOT LIKE '%_pkey'"
    ))).rows
    await psql('DROP SCHEMA IF EXISTS bench_copy CASCADE; CREATE SCHEMA bench_copy')
    const c0 = Date.now()
    for (const [endpoint] of IMPORT_MIX) {
      const table = ENDPOINT_DEFS[endpoint].table
      const keyCols = endpoint === 'udi' ? ['record_key', 'key_source'] : ENDPOINT_DEFS[endpoint].keyColumns
      // sensitive goes in as text: psql cannot encrypt on the way in (the pipeline's pgcrypto cost is its own)
      await psql(`CREATE TABLE bench_copy.${table} (LIKE openfda.${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS); ALTER TABLE bench_copy.${table} ALTER COLUMN sensitive TYPE text`)
      const cols = [...keyCols, 'record', 'sensitive', 'checksum', 'source', ...EXTRACTED_COLUMNS.filter((c) => !keyCols.includes(c))]
      await psql(`\\copy bench_copy.${table} (${cols.join(', ')}) FROM '${join(tsvDir, `${endpoint}.tsv`)}'`)
    }
    const copySeconds = (Date.now() - c0) / 1000
    const i0 = Date.now()
    for (const d of indexDefs) await psql(`SET maintenance_work_mem = '512MB'; ${d.indexdef.replace(' ON openfda.', ' ON bench_copy.').replace(/^CREATE INDEX (\S+)/, 'CREATE INDEX bench_$1')}`)
    // The pipeline's tables keep their primary keys throughout; these get theirs after the load.
    for (const [endpoint] of IMPORT_MIX) await psql(`ALTER TABLE bench_copy.${ENDPOINT_DEFS[endpoint].table} ADD PRIMARY KEY (${ENDPOINT_DEFS[endpoint].keyColumns.join(', ')})`)
    const psqlSeconds = copySeconds + (Date.now() - i0) / 1000
    o.log(`psql \\copy: ${o.records} rows in ${psqlSeconds.toFixed(1)} s (copy ${copySeconds.toFixed(1)} s + indexes ${((Date.now() - i0) / 1000).toFixed(1)} s), ${Math.round(o.records / psqlSeconds)} rows/s`)
    await psql('DROP SCHEMA bench_copy CASCADE')

    const ratio = psqlSeconds / pipelineSeconds
    o.log(`ratio (pipeline rate / psql rate): ${ratio.toFixed(2)}   target ≥ 0.8; 1M under 60 s; peak memory under 500 MiB`)
    const results = {
      at: new Date().toISOString(), records: o.records, files, inputBytes: bytes, postgres,
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30) },
      pipeline: { seconds: pipelineSeconds, recordsPerSecond: Math.round(o.records / pipelineSeconds), mibPerSecond: bytes / 2 ** 20 / pipelineSeconds, peakRssMiB: Math.round(peak / 2 ** 20), verified: summary.verified, summary },
      psql: { seconds: psqlSeconds, copySeconds, rowsPerSecond: Math.round(o.records / psqlSeconds) },
      ratio
    }
    if (o.resultsDir) {
      saveBenchResults(o.resultsDir, 'import', results, o.log)
    }
    return results
  } finally {
    rmSync(work, { recursive: true, force: true })
    await releaseBenchStack(s, { keep: o.keep, log: o.log })
  }
}
