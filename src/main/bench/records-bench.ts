import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { from as copyFrom } from 'pg-copy-streams'
import { bringStackUp } from '../app/lifecycle'
import { createServices } from '../app/services'
import { createPool } from '../db/connection'
import { bulkLoad, copyField } from '../db/bulk-load'
import { READER_ROLE } from '../db/database'
import type { Endpoint } from '../openfda/endpoints'
import { generateRecords, recordKey } from './generate-records'
import { measure, percentiles } from './latency'

/** A realistic mix adding up to the total: approvals and safety data dominate, as in openFDA. */
const MIX: [Endpoint, number][] = [['510k', 0.25], ['event', 0.2], ['enforcement', 0.15], ['udi', 0.15], ['recall', 0.1], ['pma', 0.1], ['classification', 0.05]]

import { saveBenchResults } from './save-results'
import { quietJob, releaseBenchStack } from './bench-stack'

export interface RecordsBenchOptions {
  total: number
  queries: number
  concurrency: number
  keep: boolean
  resultsDir: string
  log: (line: string) => void
}


/**
 * Loads `total` generated records into a stack of its own, then measures key lookups and JSONB
 * containment queries through PgBouncer (as the read-only role), and LZ4 against pglz TOAST
 * compression on the same rows. Prints a table and writes the figures as JSON.
 */
export async function runRecordsBench(o: RecordsBenchOptions): Promise<Record<string, unknown>> {
  const home = mkdtempSync(join(tmpdir(), 'fda-bench-'))
  const stackName = `fdabench-${randomBytes(3).toString('hex')}`
  writeFileSync(join(home, 'settings.json'), JSON.stringify({ stackName, ports: { blue: 58320, green: 58321, pgbouncer: 58330 } }))
  const s = createServices({ host: 'cli', home })
  const actor = { userId: null, username: 'bench', client: 'cli' as const }
  const results: Record<string, unknown> = {
    at: new Date().toISOString(), total: o.total, machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30) }
  }
  try {
    o.log(`bench stack ${stackName}: starting`)
    await bringStackUp(s, { green: false, samples: false }, actor, quietJob('bench-up'))

    // ---- load ----
    const loads: Record<string, unknown>[] = []
    const loadStart = Date.now()
    for (const [endpoint, share] of MIX) {
      const count = Math.round(o.total * share)
      const t = Date.now()
      const r = await bulkLoad(s, endpoint, generateRecords(endpoint, count, { seed: 1 }), 'bench:generated', actor, { jobId: `bench-${endpoint}` })
      const seconds = (Date.now() - t) / 1000
      loads.push({ endpoint, rows: r.rows, seconds, rowsPerSecond: Math.round(r.rows / seconds) })
      o.log(`loaded ${String(r.rows).padStart(8)} ${endpoint.padEnd(14)} in ${seconds.toFixed(1)} s (${Math.round(r.rows / seconds)} rows/s)`)
    }
    const loadSeconds = (Date.now() - loadStart) / 1000
    results.load = { seconds: loadSeconds, rowsPerSecond: Math.round(o.total / loadSeconds), endpoints: loads }
    await s.db.admin('blue', (c) => c.query('ANALYZE'))
    const size = await s.db.admin('blue', (c) => c.query<{ bytes: string }>("SELECT sum(pg_total_relation_size(c.oid))::bigint AS bytes FROM pg_class c WHERE c.relnamespace = 'openfda'::regnamespace AND c.relkind = 'r'"))
    results.sizeBytes = Number(size.rows[0].bytes)

    // ---- queries through PgBouncer, as the read-only agents' role ----
    const reader = createPool({ ...s.stack.target('pgbouncer'), user: READER_ROLE, password: s.db.readerPassword() }, { viaPgbouncer: true, max: o.concurrency })
    const counts = Object.fromEntries(MIX.map(([e, share]) => [e, Math.round(o.total * share)]))
    const keyOf = (e: Endpoint, i: number) => recordKey(e, generateRecords(e, 1, { seed: 1, startIndex: i }).next().value!)
    const codes = [...generateRecords('510k', 200, { seed: 1 })].map((r) => r.product_code as string)
    const rand = (n: number, i: number) => (i * 2654435761) % n
    const kinds: { name: string; run: (i: number) => Promise<unknown> }[] = [
      { name: 'key lookup 510(k)', run: (i) => reader.query('SELECT record FROM openfda.device_510k WHERE k_number = $1', [keyOf('510k', rand(counts['510k'], i))]) },
      { name: 'key lookup MAUDE event', run: (i) => reader.query('SELECT record FROM openfda.device_event WHERE mdr_report_key = $1', [keyOf('event', rand(counts.event, i))]) },
      { name: 'containment 510(k) product_code (100 rows)', run: (i) => reader.query('SELECT record FROM openfda.device_510k WHERE record @> $1 LIMIT 100', [JSON.stringify({ product_code: codes[i % codes.length] })]) },
      { name: 'containment events {event_type: Death} (100 rows)', run: () => reader.query('SELECT record FROM openfda.device_event WHERE record @> $1 LIMIT 100', ['{"event_type":"Death"}']) }
    ]
    const queries: Record<string, unknown>[] = []
    for (const k of kinds) {
      await measure(Math.min(200, o.queries), o.concurrency, k.run) // warm-up
      const m = await measure(o.queries, o.concurrency, k.run)
      const p = percentiles(m.latencies)
      queries.push({ name: k.name, queries: o.queries, concurrency: o.concurrency, errors: m.errors, qps: Math.round(o.queries / m.seconds), ...p })
      o.log(`${k.name.padEnd(50)} p50 ${p.p50.toFixed(2)} ms  p95 ${p.p95.toFixed(2)} ms  p99 ${p.p99.toFixed(2)} ms  ${Math.round(o.queries / m.seconds)} q/s  errors ${m.errors}`)
    }
    await reader.end()
    results.queries = queries

    // ---- TOAST compression: the same MAUDE records stored with pglz and with lz4 ----
    const sampleCount = Math.min(100_000, counts.event)
    const compression: Record<string, unknown>[] = []
    for (const method of ['pglz', 'lz4']) {
      await s.db.admin('blue', async (c) => {
        await c.query(`DROP TABLE IF EXISTS public.bench_${method}; CREATE TABLE public.bench_${method} (id int, record jsonb COMPRESSION ${method})`)
        const t = Date.now()
        async function* rows() {
          let id = 0
          for (const r of generateRecords('event', sampleCount, { seed: 1 })) yield `${id++}\t${copyField(JSON.stringify(r))}\n`
        }
        await pipeline(Readable.from(rows()), c.query(copyFrom(`COPY public.bench_${method} FROM STDIN`)))
        const seconds = (Date.now() - t) / 1000
        const sz = await c.query<{ bytes: string }>(`SELECT pg_total_relation_size('public.bench_${method}') AS bytes`)
        const t2 = Date.now()
        await c.query(`SELECT sum(length(record::text)) FROM public.bench_${method}`)
        const readSeconds = (Date.now() - t2) / 1000
        compression.push({ method, rows: sampleCount, loadSeconds: seconds, readSeconds, bytes: Number(sz.rows[0].bytes) })
        await c.query(`DROP TABLE public.bench_${method}`)
      })
    }
    const [pglz, lz4] = compression as { loadSeconds: number; readSeconds: number; bytes: number }[]
    results.compression = { runs: compression, lz4VsPglz: { loadTime: lz4.loadSeconds / pglz.loadSeconds, readTime: lz4.readSeconds / pglz.readSeconds, size: lz4.bytes / pglz.bytes } }
    o.log(`TOAST lz4 vs pglz on ${sampleCount} MAUDE records: load time ×${(lz4.loadSeconds / pglz.loadSeconds).toFixed(2)}, full read ×${(lz4.readSeconds / pglz.readSeconds).toFixed(2)}, size ×${(lz4.bytes / pglz.bytes).toFixed(2)}`)

    saveBenchResults(o.resultsDir, 'records', results, o.log)
    return results
  } finally {
    await releaseBenchStack(s, { keep: o.keep, log: o.log, home })
  }
}
