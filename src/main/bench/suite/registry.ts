import { concurrencyBench } from '../modules/concurrency'
import { importBench } from '../modules/import'
import { queriesBench } from '../modules/queries'
import { notInThisBuild, type BenchModule } from './types'

/**
 * The suite, in running order: one line per benchmark. Benchmarks from other areas replace their
 * `notInThisBuild` line with their module (same `BenchModule` shape, same result shape).
 */
export const BENCHMARKS: BenchModule[] = [
  importBench,
  queriesBench,
  concurrencyBench,
  notInThisBuild('api', 'Local openFDA API: count and key lookup', 'the local API vs scanning the JSON cache', 'comes with the local openFDA API, issue 5'),
  notInThisBuild('switch', 'Blue-green switch: promote and rollback pause under load', 'pause seen by 100 clients during promote and rollback', 'comes with blue-green promote/rollback, issue 6'),
  notInThisBuild('backup', 'Backup and restore rates, drill RTO', 'backup and restore MiB/s and the restore drill\'s recovery time', 'comes with backups, issue 7')
]

export function findBenchmark(name: string): BenchModule | undefined {
  return BENCHMARKS.find((b) => b.name === name)
}
