import type { BenchComparison, BenchLatency, BenchResult, BenchTarget } from '../../../shared/schemas/bench'
import type { BenchMirror } from './bench-mirror'

/** What a benchmark module gets from the suite. */
export interface SuiteContext {
  quick: boolean
  /** Mirror sizes (records) for benchmarks that measure a scaling curve, smallest first. */
  sizes: number[]
  /** First port of the suite's block: the shared mirror stack uses base..base+10, other stacks base+20 on. */
  basePort: number
  /** Scratch space, removed after the run. */
  workDir: string
  signal: AbortSignal
  log: (line: string) => void
  /** A line of progress within the current benchmark (shown by the job). */
  progress: (message: string) => void
  /** The shared bench stack with at least `size` generated records loaded and written as a JSON cache. */
  mirror: (size: number) => Promise<BenchMirror>
}

/** What a module returns; the suite adds name, title, status and timing. */
export interface ModuleOutput {
  comparisons?: BenchComparison[]
  latencies?: BenchLatency[]
  targets?: BenchTarget[]
  notes?: string[]
  details?: Record<string, unknown>
}

/**
 * One benchmark of the suite. Register it in `registry.ts` with one line. A benchmark whose code is
 * not in this build sets `available: false` and says where it comes from: the suite reports it as
 * "not available in this build" rather than a number.
 */
export interface BenchModule {
  name: string
  title: string
  /** The console side against what, e.g. "console pipeline vs psql \\copy". */
  compares: string
  available: boolean
  reason?: string
  run: (ctx: SuiteContext) => Promise<ModuleOutput>
}

export type { BenchResult }

/** A module for a benchmark that another area delivers; until then the suite says it is not in this build. */
export function notInThisBuild(name: string, title: string, compares: string, from: string): BenchModule {
  return {
    name, title, compares, available: false, reason: `not available in this build (${from})`,
    run: () => Promise.reject(new Error(`${name}: not available in this build`))
  }
}
