import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BenchResult, BenchRun } from '../../../shared/schemas/bench'
import type { JobContext } from '../../jobs/job-manager'
import { BenchMirror } from './bench-mirror'
import { describeMachine, gitRevision } from './machine'
import { BENCHMARKS } from './registry'
import { BenchResultStore, newRunId } from './result-store'
import type { BenchModule, SuiteContext } from './types'

export const FULL_SIZES = [10_000, 100_000, 1_000_000]
export const QUICK_SIZES = [10_000, 50_000]
/** The suite's ports: 58500–58530 unless FDA_BENCH_BASE_PORT says otherwise (see docs/PERFORMANCE.md). */
export const DEFAULT_BASE_PORT = 58500

export interface SuiteOptions {
  quick: boolean
  only: string[] | null
  sizes?: number[]
  basePort?: number
  /** `<home>/bench` receives the run. */
  resultsDir: string
  /** The checkout, for the git revision; and the console's version. */
  repoDir: string
  version: string
  log: (line: string) => void
  job: JobContext
  /** The modules to choose from (default: the registry). */
  modules?: BenchModule[]
}

export class SuiteUsageError extends Error {}

/** Which benchmarks a run covers, in suite order; unknown names are an error that lists the known ones. */
export function selectBenchmarks(only: string[] | null, modules: BenchModule[] = BENCHMARKS): BenchModule[] {
  if (!only?.length) return modules
  const unknown = only.filter((n) => !modules.some((m) => m.name === n))
  if (unknown.length) throw new SuiteUsageError(`unknown benchmark ${unknown.map((n) => `"${n}"`).join(', ')}: choose from ${modules.map((m) => m.name).join(', ')}`)
  return modules.filter((m) => only.includes(m.name))
}

export function parseSizes(text: string): number[] {
  const sizes = text.split(',').map((s) => Number(s.trim().replace(/_/g, '')))
  if (!sizes.length || sizes.some((n) => !Number.isSafeInteger(n) || n < 1000 || n > 10_000_000))
    throw new SuiteUsageError(`--sizes "${text}": give record counts from 1000 to 10000000, separated by commas (e.g. 10000,100000,1000000)`)
  return [...new Set(sizes)].sort((a, b) => a - b)
}

const empty = (m: BenchModule): Omit<BenchResult, 'status' | 'reason' | 'seconds'> => ({ name: m.name, title: m.title, comparisons: [], latencies: [], targets: [], notes: [], details: {} })

/**
 * Runs the selected benchmarks one after the other (they share one bench stack where they can),
 * stores the run with the machine's description and the git revision, and returns it. A benchmark
 * that fails is recorded as failed and the others still run; cancelling stops the run (nothing stored).
 */
export async function runSuite(o: SuiteOptions): Promise<{ run: BenchRun; file: string }> {
  const selected = selectBenchmarks(o.only, o.modules)
  const sizes = o.sizes ?? (o.quick ? QUICK_SIZES : FULL_SIZES)
  const envPort = process.env.FDA_BENCH_BASE_PORT
  const basePort = o.basePort ?? (envPort ? Number(envPort) : DEFAULT_BASE_PORT)
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort > 65000) throw new SuiteUsageError(`base port ${basePort}: choose a port from 1024 to 65000`)
  const started = new Date()
  const workDir = mkdtempSync(join(tmpdir(), 'fda-bench-suite-'))
  let mirror: BenchMirror | null = null
  let versions: { postgres: string | null; pgbouncer: string | null } = { postgres: null, pgbouncer: null }
  const results: BenchResult[] = []
  let current = 0
  const report = (message: string): void => o.job.report({ phase: selected[current]?.name ?? 'done', done: current, total: selected.length, unit: 'benchmarks', message })
  const ctx: SuiteContext = {
    quick: o.quick, sizes, basePort, workDir, signal: o.job.signal, log: o.log, progress: report,
    mirror: async (size) => {
      if (!mirror) {
        report('starting the bench stack')
        mirror = await BenchMirror.start({ basePort, workDir, signal: o.job.signal, log: o.log })
        versions = await mirror.versions().catch(() => versions)
      }
      if (mirror.size < size) {
        const t = await mirror.grow(size, report)
        o.log(`mirror at ${size.toLocaleString('en-US')} records: loaded in ${t.loadSeconds.toFixed(1)} s, cache (${mirror.cacheFiles} files, ${(mirror.cacheBytes / 2 ** 20).toFixed(0)} MiB) written in ${t.cacheSeconds.toFixed(1)} s`)
      }
      return mirror
    }
  }
  try {
    for (const [i, m] of selected.entries()) {
      current = i
      if (!m.available) {
        results.push({ ...empty(m), status: 'unavailable', reason: m.reason ?? 'not available in this build', seconds: 0 })
        o.log(`${m.name}: ${m.reason ?? 'not available in this build'}`)
        continue
      }
      o.job.signal.throwIfAborted()
      report(m.title)
      o.log(`---- ${m.name}: ${m.title}`)
      const t = performance.now()
      try {
        const out = await m.run(ctx)
        results.push({ ...empty(m), ...out, details: out.details ?? {}, status: 'ok', reason: null, seconds: (performance.now() - t) / 1000 })
      } catch (e) {
        if (o.job.signal.aborted) throw e
        const reason = (e as Error).message ?? String(e)
        o.log(`${m.name} failed: ${reason}`)
        results.push({ ...empty(m), status: 'failed', reason, seconds: (performance.now() - t) / 1000 })
      }
    }
  } finally {
    current = selected.length
    if (mirror) {
      report('removing the bench stack')
      await (mirror as BenchMirror).close()
    }
    rmSync(workDir, { recursive: true, force: true })
  }
  const imported = results.find((r) => r.name === 'import')?.details.postgres
  if (!versions.postgres && typeof imported === 'string') versions.postgres = imported
  const run: BenchRun = {
    id: newRunId(started, randomBytes(3).toString('hex')), startedAt: started.toISOString(), endedAt: new Date().toISOString(),
    quick: o.quick, sizes, only: o.only?.length ? o.only : null,
    machine: describeMachine(versions), revision: gitRevision(o.repoDir, o.version), results
  }
  const file = new BenchResultStore(o.resultsDir).save(run)
  return { run, file }
}
