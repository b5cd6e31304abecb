import { z } from 'zod'

/**
 * One shape for every benchmark's result, so the suite, the store, the CLI table and the
 * Benchmarks screen handle any benchmark the same way (including ones added by other areas).
 */

/** `unavailable`: the benchmark is not part of this build (said plainly; never a made-up number). */
export const BenchStatus = z.enum(['ok', 'failed', 'unavailable', 'cancelled'])
export type BenchStatus = z.infer<typeof BenchStatus>

const Side = z.object({ name: z.string(), value: z.number(), unit: z.string() })

/** The console and its comparison measured side by side in the same run. `ratio` > 1: the console is better. */
export const BenchComparison = z.object({
  /** What was compared, e.g. "key lookup 510(k)". */
  label: z.string(),
  /** A stable id grouping the same comparison across sizes and runs, e.g. "key-lookup". */
  group: z.string(),
  /** Records in the mirror when measured (null when the size does not apply). */
  size: z.number().int().nullable(),
  console: Side,
  baseline: Side,
  ratio: z.number(),
  /** Both sides returned the same answer (checked before the ratio is reported). */
  verified: z.boolean(),
  /** The answer both sides gave, in a few words ("1 record", "412 keys"). */
  answer: z.string()
})
export type BenchComparison = z.infer<typeof BenchComparison>

/** Latency percentiles of one measured load (milliseconds), its throughput and its errors. */
export const BenchLatency = z.object({
  label: z.string(),
  group: z.string(),
  /** Who sent the load: "pgbench", "node-postgres", … */
  client: z.string(),
  size: z.number().int().nullable(),
  clients: z.number().int(),
  queries: z.number().int(),
  errors: z.number().int(),
  qps: z.number(),
  p50: z.number(),
  p95: z.number(),
  p99: z.number(),
  max: z.number()
})
export type BenchLatency = z.infer<typeof BenchLatency>

/** A target from the issue and whether this run met it (null: not measurable at this run's size). */
export const BenchTarget = z.object({
  label: z.string(),
  value: z.number().nullable(),
  unit: z.string(),
  target: z.string(),
  met: z.boolean().nullable(),
  note: z.string().nullable()
})
export type BenchTarget = z.infer<typeof BenchTarget>

export const BenchResult = z.object({
  name: z.string(),
  title: z.string(),
  status: BenchStatus,
  /** Why it failed or is unavailable. */
  reason: z.string().nullable(),
  seconds: z.number(),
  comparisons: z.array(BenchComparison),
  latencies: z.array(BenchLatency),
  targets: z.array(BenchTarget),
  notes: z.array(z.string()),
  details: z.record(z.string(), z.unknown())
})
export type BenchResult = z.infer<typeof BenchResult>

export const BenchMachine = z.object({
  cpu: z.string(),
  cores: z.number().int(),
  memoryGiB: z.number(),
  os: z.string(),
  node: z.string(),
  postgres: z.string().nullable(),
  pgbouncer: z.string().nullable()
})
export type BenchMachine = z.infer<typeof BenchMachine>

export const BenchRevision = z.object({
  commit: z.string().nullable(),
  branch: z.string().nullable(),
  dirty: z.boolean().nullable(),
  version: z.string()
})
export type BenchRevision = z.infer<typeof BenchRevision>

export const BenchRun = z.object({
  id: z.string(),
  startedAt: z.string(),
  endedAt: z.string(),
  quick: z.boolean(),
  sizes: z.array(z.number().int()),
  only: z.array(z.string()).nullable(),
  machine: BenchMachine,
  revision: BenchRevision,
  results: z.array(BenchResult)
})
export type BenchRun = z.infer<typeof BenchRun>

/** A benchmark of the suite, and whether this build has it. */
export const BenchInfo = z.object({ name: z.string(), title: z.string(), compares: z.string(), available: z.boolean(), reason: z.string().nullable() })
export type BenchInfo = z.infer<typeof BenchInfo>

export const BenchStartInput = z.object({
  quick: z.boolean().default(true),
  /** Benchmark names to run (default: all). */
  only: z.array(z.string().max(40).regex(/^[a-z][a-z0-9-]{0,39}$/)).max(20).nullable().default(null)
})
export type BenchStartInput = z.infer<typeof BenchStartInput>
