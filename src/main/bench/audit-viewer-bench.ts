import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { createRouterClient } from '@orpc/server'
import { bringStackUp } from '../app/lifecycle'
import { router } from '../app/router'
import { createServices } from '../app/services'
import { percentiles } from './latency'

import { saveBenchResults } from './save-results'
import { quietJob, releaseBenchStack } from './bench-stack'

export interface AuditViewerBenchOptions {
  entries: number
  pages: number
  keep: boolean
  resultsDir: string
  /** Stack ports (defaults in the 60480 block). */
  ports?: { blue: number; green: number; pgbouncer: number }
  log: (line: string) => void
}

const ACTIONS = ['user.login', 'user.logout', 'user.login_failed', 'settings.change', 'stack.up', 'stack.down', 'record.update', 'record.insert', 'data.load', 'backup.create', 'bluegreen.promote', 'refresh.run', 'bench.run', 'audit.export', 'signature']
const TARGETS = ['user', 'setting', 'color', '510k', 'event', 'recall', 'backup', 'audit']
const PASSWORD = 'bench passphrase 123'
const TEXT_INDEX = `CREATE INDEX audit_log_text ON console.audit_log
  USING gin (console.audit_search_text(action, username, target_type, target_key, reason, before, after) gin_trgm_ops)`

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = process.hrtime.bigint()
  const r = await fn()
  return [r, Number(process.hrtime.bigint() - t) / 1e6]
}

/**
 * Fills a stack of its own with `entries` audit entries through the normal chain trigger (batched
 * INSERT … SELECT, each row hashed and linked by the database), then times the viewer's API: time
 * to first rows, page to page, filtered pages, counts, facets, entry detail, the chain status (full
 * and incremental) and, for the indexes of migration 0050, the same filters without them.
 */
export async function runAuditViewerBench(o: AuditViewerBenchOptions): Promise<Record<string, unknown>> {
  const home = mkdtempSync(join(tmpdir(), 'fda-bench-'))
  const stackName = `fdabench-${randomBytes(3).toString('hex')}`
  writeFileSync(join(home, 'settings.json'), JSON.stringify({ stackName, ports: o.ports ?? { blue: 60480, green: 60481, pgbouncer: 60490 } }))
  const s = createServices({ host: 'cli', home })
  const api = createRouterClient(router, { context: { services: s, auth: { token: null } } })
  const results: Record<string, unknown> = {
    at: new Date().toISOString(), entries: o.entries, machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30) }
  }
  const row = (name: string, ms: number | { p50: number; p95: number; max: number }): void =>
    o.log(`${name.padEnd(44)} ${typeof ms === 'number' ? `${ms.toFixed(1).padStart(9)} ms` : `p50 ${ms.p50.toFixed(1)} ms, p95 ${ms.p95.toFixed(1)} ms, max ${ms.max.toFixed(1)} ms`}`)
  try {
    o.log(`bench stack ${stackName}: starting`)
    await bringStackUp(s, { green: false, samples: false }, { userId: null, username: 'bench', client: 'cli' }, quietJob('bench-up'))
    await api.auth.setupFirstAdmin({ username: 'bench-admin', printedName: 'Bench Admin', password: PASSWORD })

    // ---- seed through the chain trigger ----
    // The trigram index is built once after seeding (as CREATE INDEX on an existing trail would be).
    await s.db.admin('blue', (c) => c.query('DROP INDEX console.audit_log_text'))
    const batch = 20_000
    const seedStart = Date.now()
    for (let done = 0; done < o.entries; done += batch) {
      const n = Math.min(batch, o.entries - done)
      await s.db.bulk().query(
        `INSERT INTO console.audit_log (seq, ts, user_id, username, action, target_type, target_key, before, after, reason, client, segment, prev_hash, hash)
         SELECT 0, now(), 1 + g % 20, CASE WHEN ($1 + g) % 10000 = 3 THEN 'auditor' ELSE 'user' || (g % 20) END, ($2::text[])[1 + g % $3], ($4::text[])[1 + g % $5], 'key-' || (g % 5000),
                CASE WHEN g % 3 = 0 THEN jsonb_build_object('value', g % 97) END,
                jsonb_build_object('value', g % 89, 'note', 'bench entry ' || ($1 + g) || CASE WHEN ($1 + g) % 100000 = 7 THEN ' needle' ELSE '' END),
                CASE WHEN g % 10 = 0 THEN 'routine' END, 'system', 'main', '', ''
           FROM generate_series(1, $6::int) g`,
        [done, ACTIONS, ACTIONS.length, TARGETS, TARGETS.length, n]
      )
      if ((done / batch) % 10 === 0) o.log(`seeded ${done + n} entries (${Math.round((done + n) / ((Date.now() - seedStart) / 1000))} entries/s)`)
    }
    const seedSeconds = (Date.now() - seedStart) / 1000
    results.seed = { seconds: seedSeconds, entriesPerSecond: Math.round(o.entries / seedSeconds) }
    o.log(`seeded ${o.entries} entries in ${seedSeconds.toFixed(1)} s`)
    const [, textIndexMs] = await timed(() => s.db.admin('blue', (c) => c.query(TEXT_INDEX)))
    results.textIndexBuildSeconds = textIndexMs / 1000
    row('build the free-text (trigram) index', textIndexMs)
    await s.db.admin('blue', (c) => c.query('VACUUM ANALYZE console.audit_log'))
    await api.auth.login({ username: 'bench-admin', password: PASSWORD })

    // ---- chain status ----
    const [full, fullMs] = await timed(() => api.audit.chain({ full: true }))
    if (!full.ok) throw new Error(`the seeded chain does not verify: ${full.broken?.reason}`)
    await s.audit.record({ userId: 1, username: 'bench-admin', client: 'cli' }, { action: 'bench.mark' })
    const [, incMs] = await timed(() => api.audit.chain({ full: false }))
    row('chain status, full check', fullMs)
    row('chain status, incremental (1 new entry)', incMs)

    // ---- the viewer ----
    const pageThrough = async (filter: Record<string, unknown>, label: string): Promise<Record<string, unknown>> => {
      const [first, firstMs] = await timed(() => api.audit.list({ filter, limit: 200 }))
      const lat: number[] = []
      let after = first.next
      for (let i = 0; i < o.pages && after !== null; i++) {
        const [p, ms] = await timed(() => api.audit.list({ filter, after, limit: 200 }))
        lat.push(ms)
        after = p.next
      }
      const pageToPage = lat.length ? percentiles(lat) : null
      row(`${label}: first rows`, firstMs)
      if (pageToPage) row(`${label}: page to page (${lat.length} pages)`, pageToPage)
      return { firstRowsMs: firstMs, firstPageRows: first.rows.length, pageToPage }
    }
    const viewer: Record<string, unknown> = {}
    viewer.all = await pageThrough({}, 'all entries')
    viewer.byUser = await pageThrough({ users: ['user7'] }, 'by user (5% of entries)')
    viewer.byRareUser = await pageThrough({ users: ['auditor'] }, 'by user (0.01% of entries)')
    viewer.byAction = await pageThrough({ actions: ['settings.change'] }, 'by action')
    viewer.byTarget = await pageThrough({ targetType: 'backup', targetKey: 'key-123' }, 'by target')
    viewer.textCommon = await pageThrough({ text: 'routine' }, 'free text (common)')
    viewer.textRare = await pageThrough({ text: 'needle' }, 'free text (rare)')
    viewer.byTargetKey = await pageThrough({ targetKey: 'key-123' }, 'by target key')
    const mid = (await api.audit.list({ filter: {}, order: 'asc', limit: 1, after: Math.floor(o.entries / 2) })).rows[0]
    viewer.timeRange = await pageThrough({ from: mid.ts, to: new Date(Date.parse(mid.ts) + 1000).toISOString() }, 'time range (1 s)')
    const [, countMs] = await timed(() => api.audit.count({ filter: {}, cap: 1_000_000 }))
    const [, facetsMs] = await timed(() => api.audit.facets())
    const [, entryMs] = await timed(() => api.audit.entry({ seq: mid.seq }))
    row('count (all, up to 1M)', countMs)
    row('facets (users, actions, target types)', facetsMs)
    row('entry detail', entryMs)
    Object.assign(viewer, { countMs, facetsMs, entryMs })
    results.viewer = viewer

    // ---- the indexes of migration 0050, measured by their absence ----
    const without: Record<string, unknown> = {}
    await s.db.admin('blue', (c) => c.query('BEGIN; DROP INDEX console.audit_log_username; DROP INDEX console.audit_log_text; DROP INDEX console.audit_log_target_key; COMMIT'))
    try {
      without.byRareUser = await pageThrough({ users: ['auditor'] }, 'WITHOUT index: by user (0.01%)')
      without.byTargetKey = await pageThrough({ targetKey: 'key-123' }, 'WITHOUT index: by target key')
      without.textRare = await pageThrough({ text: 'needle' }, 'WITHOUT index: free text (rare)')
    } finally {
      await s.db.admin('blue', (c) => c.query(`CREATE INDEX audit_log_username ON console.audit_log (username, seq);
        CREATE INDEX audit_log_target_key ON console.audit_log (target_key, seq); ${TEXT_INDEX}`))
    }
    results.withoutIndexes = without

    saveBenchResults(o.resultsDir, 'audit-viewer', results, o.log)
    return results
  } finally {
    await releaseBenchStack(s, { keep: o.keep, log: o.log, home })
  }
}
