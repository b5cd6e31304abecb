import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { bringStackUp } from '../../app/lifecycle'
import { createServices, type Services } from '../../app/services'
import { bulkLoad } from '../../db/bulk-load'
import { READER_ROLE } from '../../db/database'
import type { JobContext } from '../../jobs/job-manager'
import type { Endpoint } from '../../openfda/endpoints'
import { CacheWriter, RECORDS_PER_CACHE_FILE } from '../cache-writer'
import { generateRecords } from '../generate-records'

/** The same realistic mix as the records benchmark: approvals and safety data dominate, as in openFDA. */
export const MIX: [Endpoint, number][] = [['510k', 0.25], ['event', 0.2], ['enforcement', 0.15], ['udi', 0.15], ['recall', 0.1], ['pma', 0.1], ['classification', 0.05]]
export const countOf = (endpoint: Endpoint, size: number): number => Math.round(size * MIX.find(([e]) => e === endpoint)![1])

/** The suite's stack: BLUE at base, GREEN at base+1, PgBouncer at base+10 (all 127.0.0.1). */
export const mirrorPorts = (base: number) => ({ blue: base, green: base + 1, pgbouncer: base + 10 })

const quiet = (id: string, signal: AbortSignal): JobContext => ({ jobId: id, signal, report: () => {} })
const ACTOR = { userId: null, username: 'bench', client: 'cli' as const }

/**
 * A bench stack of its own holding `size` generated records, and the same records written as the
 * earlier tool's JSON cache, so each query can be answered both ways. It grows in place: going from
 * 100k to 1M loads and writes only the 900k new records (record i is the same at every size).
 */
export class BenchMirror {
  size = 0
  cacheFiles = 0
  cacheBytes = 0
  readonly cacheDir: string
  private readerPool: pg.Pool | null = null

  private constructor(readonly s: Services, readonly stackName: string, dir: string, private readonly signal: AbortSignal) {
    this.cacheDir = join(dir, 'cache')
    mkdirSync(this.cacheDir, { recursive: true })
  }

  static async start(o: { basePort: number; workDir: string; signal: AbortSignal; log: (l: string) => void }): Promise<BenchMirror> {
    const dir = join(o.workDir, 'mirror')
    const home = join(dir, 'home')
    mkdirSync(home, { recursive: true })
    const stackName = `fdabench-${randomBytes(3).toString('hex')}`
    writeFileSync(join(home, 'settings.json'), JSON.stringify({ stackName, ports: mirrorPorts(o.basePort), healthTimeoutSeconds: 120 }))
    const s = createServices({ host: 'cli', home })
    const m = new BenchMirror(s, stackName, dir, o.signal)
    o.log(`bench stack ${stackName}: starting on ports ${Object.values(mirrorPorts(o.basePort)).join('/')}`)
    try {
      await bringStackUp(s, { green: false, samples: false }, ACTOR, quiet('bench-up', o.signal))
    } catch (e) {
      await m.close()
      throw e
    }
    return m
  }

  /** Loads records up to `size` (each endpoint's share) and writes the same records as cache files. */
  async grow(size: number, progress: (message: string) => void): Promise<{ loadSeconds: number; cacheSeconds: number }> {
    let loadMs = 0
    let cacheMs = 0
    for (const [endpoint] of MIX) {
      const from = countOf(endpoint, this.size)
      const to = countOf(endpoint, size)
      if (to <= from) continue
      this.signal.throwIfAborted()
      progress(`loading ${endpoint} records ${from}–${to} and writing them as cache files`)
      const writer = new CacheWriter(this.cacheDir, this.cacheFiles)
      let page: Record<string, unknown>[] = []
      const flush = (): void => {
        const t = performance.now()
        writer.writePage(page, to)
        cacheMs += performance.now() - t
        page = []
      }
      // The load and the cache see the very same records; cache writing time is kept apart.
      function* tee(): Generator<Record<string, unknown>> {
        for (const r of generateRecords(endpoint, to - from, { seed: 1, startIndex: from })) {
          page.push(r)
          if (page.length === RECORDS_PER_CACHE_FILE) flush()
          yield r
        }
        if (page.length) flush()
      }
      const t0 = performance.now()
      const r = await bulkLoad(this.s, endpoint, tee(), 'bench:generated', ACTOR, { jobId: `bench-${endpoint}` })
      loadMs += performance.now() - t0
      if (r.rejected.length) throw new Error(`${endpoint}: ${r.rejected.length} generated records were rejected (${r.rejected[0].reason})`)
      this.cacheFiles += writer.files
      this.cacheBytes += writer.bytes
    }
    await this.s.db.admin('blue', (c) => c.query('ANALYZE'))
    this.size = size
    return { loadSeconds: (loadMs - cacheMs) / 1000, cacheSeconds: cacheMs / 1000 }
  }

  /** The PgBouncer address, as the read-only agents' role. */
  readerTarget() {
    return { ...this.s.stack.target('pgbouncer'), user: READER_ROLE, password: this.s.db.readerPassword() }
  }

  /** A node-postgres pool through PgBouncer as the read-only role (what agents and the local API use). */
  pool(max: number): pg.Pool {
    const t = this.readerTarget()
    return new pg.Pool({
      host: '127.0.0.1', port: t.port, user: t.user, password: t.password, database: t.database, max,
      // 200 SCRAM handshakes at once on two cores take a few seconds: connecting is not what is measured
      connectionTimeoutMillis: 60_000, idleTimeoutMillis: 0, application_name: 'fda-offline-bench'
    })
  }

  get reader(): pg.Pool {
    this.readerPool ??= this.pool(4)
    return this.readerPool
  }

  async versions(): Promise<{ postgres: string | null; pgbouncer: string | null }> {
    const st = await this.s.stack.status()
    return { postgres: st.containers.find((c) => c.role === 'blue')?.version ?? null, pgbouncer: st.pgbouncer.version }
  }

  async close(): Promise<void> {
    await this.readerPool?.end().catch(() => {})
    await this.s.db.close().catch(() => {})
    await this.s.stack.down({ volumes: true }, quiet('bench-down', new AbortController().signal)).catch(() => {})
    await this.s.close()
  }
}
