import { apiBench } from '../modules/api'
import { backupBench } from '../modules/backup'
import { concurrencyBench } from '../modules/concurrency'
import { importBench } from '../modules/import'
import { queriesBench } from '../modules/queries'
import { switchBench } from '../modules/switch'
import type { BenchModule } from './types'

/**
 * The suite, in running order: one line per benchmark. A benchmark whose code is not in a build
 * uses `notInThisBuild(...)` (types.ts) instead of its module. `switch` is last: it leaves GREEN
 * standing on the shared stack.
 */
export const BENCHMARKS: BenchModule[] = [
  importBench,
  queriesBench,
  concurrencyBench,
  apiBench,
  backupBench,
  switchBench
]

export function findBenchmark(name: string): BenchModule | undefined {
  return BENCHMARKS.find((b) => b.name === name)
}
