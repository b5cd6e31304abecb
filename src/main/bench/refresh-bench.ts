import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bringStackUp } from '../app/lifecycle'
import { createServices } from '../app/services'
import type { JobContext } from '../jobs/job-manager'
import { toRow } from '../openfda/endpoints'
import { startTestOpenFdaServer } from '../openfda/testing/test-openfda-server'
import { runRefresh, type RefreshSummary } from '../refresh/refresh'
import { generateRecords } from './generate-records'
import { releaseBenchStack } from './bench-stack'

export interface RefreshBenchOptions {
  records: number
  keep: boolean
  resultsDir: string
  log: (line: string) => void
}

/**
 * A refresh of adverse events (the largest tier) against the local openFDA stand-in, on a stack of
 * its own: (1) the first load from bulk files, (2) a bulk refresh after 1% of the records changed
 * (0.5% revised, 0.25% withdrawn, 0.25% new), (3) a date-window refresh after 1,000 new reports,
 * paged through the API with search_after.
 */
export async function runRefreshBench(o: RefreshBenchOptions): Promise<Record<string, unknown>> {
  const work = mkdtempSync(join(tmpdir(), 'fda-refresh-bench-'))
  const home = join(work, 'home')
  mkdirSync(home)
  const stackName = `fdabench-${randomBytes(3).toString('hex')}`
  const srv = await startTestOpenFdaServer({ records: { event: [...generateRecords('event', o.records, { seed: 5 })] }, partitionRecords: 20_000, port: 60013 })
  writeFileSync(join(home, 'settings.json'), JSON.stringify({ stackName, ports: { blue: 60010, green: 60011, pgbouncer: 60012 }, openfda: { baseUrl: srv.url } }))
  const s = createServices({ host: 'cli', home })
  const actor = { userId: null, username: 'bench', client: 'cli' as const }
  const t0 = Date.now()
  const ctx = (id: string): JobContext => ({ jobId: id, signal: new AbortController().signal, report: (p) => p.message && process.env.FDA_BENCH_VERBOSE && o.log(`  +${((Date.now() - t0) / 1000).toFixed(1)} s ${p.message}`) })
  const timed = async (label: string, opts: Parameters<typeof runRefresh>[1]): Promise<{ seconds: number; summary: RefreshSummary }> => {
    const t = Date.now()
    const summary = await runRefresh(s, opts, actor, ctx(`bench-${label}`))
    const seconds = (Date.now() - t) / 1000
    const e = summary.endpoints[0]
    o.log(`${label}: ${seconds.toFixed(1)} s (${e.mode}; fetched ${e.fetched}, +${e.inserted} ~${e.updated} -${e.deleted}; ${Math.round(e.fetched / seconds)} records/s)`)
    return { seconds, summary }
  }
  try {
    o.log(`bench stack ${stackName}: starting; ${o.records} adverse-event records at ${srv.url}`)
    await bringStackUp(s, { green: false, samples: false }, actor, ctx('bench-up'))
    const first = await timed('first load (bulk)', { endpoints: ['event'], blueGreen: false })

    const recs = srv.records('event')
    const n = recs.length
    const revised = Math.floor(n * 0.005)
    const withdrawn = Math.floor(n * 0.0025)
    const keys = new Set(recs.map((r) => toRow('event', r).keyText))
    const added = [...generateRecords('event', Math.floor(n * 0.0025) * 2, { seed: 6, startIndex: n + 1 })].filter((r) => !keys.has(toRow('event', r).keyText)).slice(0, Math.floor(n * 0.0025))
    srv.setRecords('event', [...recs.slice(withdrawn, withdrawn + revised).map((r) => ({ ...r, event_type: `${String(r.event_type)} (revised)` })), ...recs.slice(withdrawn + revised), ...added])
    const delta = await timed('1% changed (bulk)', { endpoints: ['event'], blueGreen: false, full: true })

    const today = new Date().toISOString().slice(0, 10).replace(/-/g, '')
    const cur = srv.records('event')
    const known = new Set(cur.map((r) => toRow('event', r).keyText))
    const recent = [...generateRecords('event', 2000, { seed: 7, startIndex: 2 * n + 10 })].filter((r) => !known.has(toRow('event', r).keyText)).slice(0, 1000).map((r) => ({ ...r, date_received: today }))
    srv.setRecords('event', [...cur, ...recent])
    const window = await timed('date window (API pages)', { endpoints: ['event'], blueGreen: false })

    const results = {
      at: new Date().toISOString(), records: o.records,
      firstLoad: { seconds: first.seconds, recordsPerSecond: Math.round(o.records / first.seconds) },
      bulkDelta: { seconds: delta.seconds, recordsPerSecond: Math.round(n / delta.seconds), changes: delta.summary.endpoints[0] },
      dateWindow: { seconds: window.seconds, changes: window.summary.endpoints[0], apiRequests: srv.requests.filter((r) => r.path === '/device/event.json').length }
    }
    mkdirSync(o.resultsDir, { recursive: true })
    writeFileSync(join(o.resultsDir, `refresh-${results.at}.json`.replace(/:/g, '-')), JSON.stringify(results, null, 2))
    return results
  } finally {
    await srv.close()
    await releaseBenchStack(s, { keep: o.keep, log: o.log })
    rmSync(work, { recursive: true, force: true })
  }
}
