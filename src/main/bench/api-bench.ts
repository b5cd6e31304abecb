import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { Agent, get as httpGet } from 'node:http'
import { bringStackUp } from '../app/lifecycle'
import { createServices } from '../app/services'
import { bulkLoad } from '../db/bulk-load'
import { startMirrorApi } from '../openfda/local-api/service'
import { saveBenchResults } from './save-results'
import { generateRecords } from './generate-records'
import { measure, percentiles } from './latency'
import { quietJob, releaseBenchStack } from './bench-stack'

export interface ApiBenchOptions {
  records: number
  queries: number
  concurrency: number
  keep: boolean
  resultsDir: string
  log: (line: string) => void
  /** Stack ports (default: 60190-60192, the local API's block). */
  ports?: { blue: number; green: number; pgbouncer: number }
}

/**
 * One GET over a keep-alive agent, as an agent's HTTP client would hold its connections; the whole
 * body is read and returned (callers that only time it ignore it). Not 200: an error naming the path.
 */
export function httpGetBody(url: string, agent: Agent): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    httpGet(url, { agent }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`${new URL(url).pathname}${new URL(url).search}: HTTP ${res.statusCode}`))))
      res.on('error', reject)
    }).on('error', reject)
  })
}


/**
 * Loads N generated MAUDE event records into a stack of its own, starts the local API on it and
 * measures requests over HTTP (keep-alive, `concurrency` clients): a key lookup, two counts over
 * all N records (an extracted date column, and a field read from the JSONB record), and a search.
 */
export async function runApiBench(o: ApiBenchOptions): Promise<Record<string, unknown>> {
  if (!Number.isSafeInteger(o.records) || o.records < 1) throw new Error('--records must be a positive whole number')
  const home = mkdtempSync(join(tmpdir(), 'fda-apibench-'))
  const stackName = `fdabench-${randomBytes(3).toString('hex')}`
  writeFileSync(join(home, 'settings.json'), JSON.stringify({ stackName, ports: { ...(o.ports ?? { blue: 60190, green: 60191, pgbouncer: 60192 }), api: 60193 } }))
  const s = createServices({ host: 'cli', home })
  const actor = { userId: null, username: 'bench', client: 'cli' as const }
  const results: Record<string, unknown> = {
    at: new Date().toISOString(), records: o.records, machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30) }
  }
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency })
  try {
    o.log(`bench stack ${stackName}: starting`)
    await bringStackUp(s, { green: false, samples: false }, actor, quietJob('apibench-up'))
    const t = Date.now()
    await bulkLoad(s, 'event', generateRecords('event', o.records, { seed: 1 }), 'bench:generated', actor, { jobId: 'apibench-load' })
    await s.db.admin('blue', (c) => c.query('ANALYZE'))
    results.loadSeconds = (Date.now() - t) / 1000
    o.log(`loaded ${o.records} MAUDE events in ${(results.loadSeconds as number).toFixed(1)} s`)

    const api = await startMirrorApi(s, { port: 0, requireKey: false })
    const uncachedApi = await startMirrorApi(s, { port: 0, requireKey: false, cacheEntries: 0 })
    const keys = [...generateRecords('event', Math.min(o.records, 2000), { seed: 1 })].map((r) => String(r.mdr_report_key))
    const get = (base: string, path: string) => httpGetBody(base + path, agent)
    const few = Math.max(5, Math.floor(o.queries / 50))
    const kinds: { name: string; base: string; path: (i: number) => string; queries: number; concurrency: number }[] = [
      { name: 'key lookup (search=mdr_report_key:K), one client', base: api.url, path: (i) => `/device/event.json?search=mdr_report_key:${keys[(i * 7919) % keys.length]}`, queries: Math.max(20, Math.floor(o.queries / 3)), concurrency: 1 },
      { name: 'key lookup (search=mdr_report_key:K)', base: api.url, path: (i) => `/device/event.json?search=mdr_report_key:${keys[(i * 7919) % keys.length]}`, queries: o.queries, concurrency: o.concurrency },
      { name: 'count=date_received, uncached (date column)', base: uncachedApi.url, path: () => '/device/event.json?count=date_received', queries: few, concurrency: 1 },
      { name: 'count=event_type.exact, uncached (JSONB)', base: uncachedApi.url, path: () => '/device/event.json?count=event_type.exact', queries: few, concurrency: 1 },
      { name: 'count=event_type.exact, cached', base: api.url, path: () => '/device/event.json?count=event_type.exact', queries: o.queries, concurrency: o.concurrency },
      { name: 'search date range + sort, limit 100', base: api.url, path: (i) => `/device/event.json?search=date_received:[${2000 + (i % 20)}0101+TO+${2000 + (i % 20)}1231]&sort=date_received:desc&limit=100`, queries: Math.max(20, Math.floor(o.queries / 5)), concurrency: o.concurrency }
    ]
    const queries: Record<string, unknown>[] = []
    try {
      for (const k of kinds) {
        await measure(Math.min(k.concurrency === 1 ? 1 : 20, k.queries), k.concurrency, (i) => get(k.base, k.path(i))) // warm-up
        const m = await measure(k.queries, k.concurrency, (i) => get(k.base, k.path(i)))
        const p = percentiles(m.latencies)
        queries.push({ name: k.name, requests: k.queries, concurrency: k.concurrency, errors: m.errors, rps: Math.round(k.queries / m.seconds), ...p })
        o.log(`${k.name.padEnd(50)} p50 ${p.p50.toFixed(1)} ms  p95 ${p.p95.toFixed(1)} ms  ${Math.round(k.queries / m.seconds)} req/s  (${k.queries} requests, ${k.concurrency} at a time)  errors ${m.errors}`)
      }
    } finally {
      await api.close()
      await uncachedApi.close()
    }
    results.queries = queries
    saveBenchResults(o.resultsDir, 'api', results, o.log)
    return results
  } finally {
    agent.destroy()
    await releaseBenchStack(s, { keep: o.keep, log: o.log, home })
  }
}
