import { join, resolve } from 'node:path'
import type { BenchRun, BenchStartInput } from '../../../shared/schemas/bench'
import type { Services } from '../../app/services'
import type { JobRecord } from '../../../shared/schemas'
import { StackError } from '../../stack/stack-error'
import { BenchResultStore } from './result-store'
import { runSuite, selectBenchmarks, SuiteUsageError } from './run-suite'

export const benchResultsDir = (s: Services): string => join(s.home, 'bench')
export const benchStore = (s: Services): BenchResultStore => new BenchResultStore(benchResultsDir(s))

let running: string | null = null

/**
 * Starts the suite as a job (the same job the CLI, the screen and tests watch). One run at a time
 * per process: runs share their ports.
 */
export function startBenchJob(
  s: Services,
  input: BenchStartInput & { sizes?: number[]; basePort?: number },
  log: (line: string) => void = () => {},
  onRun?: (run: BenchRun, file: string) => void
): JobRecord {
  try {
    selectBenchmarks(input.only)
  } catch (e) {
    if (e instanceof SuiteUsageError) throw new StackError('INVALID_REQUEST', e.message, 'List the benchmarks with `fda-offline bench list`.')
    throw e
  }
  if (running) throw new StackError('INVALID_REQUEST', `a benchmark run is already going (job ${running})`, 'Wait for it to finish, or cancel it, then start again.')
  const what = input.only?.length ? input.only.join(', ') : 'all benchmarks'
  const job = s.jobs.start('bench', `Benchmark suite${input.quick ? ' (quick)' : ''}: ${what}`, async (ctx) => {
    try {
      const { run, file } = await runSuite({
        quick: input.quick, only: input.only, sizes: input.sizes, basePort: input.basePort, resultsDir: benchResultsDir(s),
        repoDir: resolve(s.resourcesDir, '..'), version: s.version, log, job: ctx
      })
      onRun?.(run, file)
      const failed = run.results.filter((r) => r.status === 'failed')
      if (failed.length) throw new Error(`run ${run.id} stored; failed: ${failed.map((r) => `${r.name} (${r.reason})`).join('; ')}`)
      return `run ${run.id} stored`
    } finally {
      running = null
    }
  })
  running = job.id
  return job
}
