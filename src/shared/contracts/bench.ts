import { z } from 'zod'
import { base } from '../contract-base'
import { JobRecord } from '../schemas'
import { BenchInfo, BenchRun, BenchStartInput } from '../schemas/bench'

/** The benchmark suite: stored runs (with the machine and revision) and starting a run as a job. */
export const benchContract = {
  /** The suite's benchmarks (and which this build has), and stored runs, newest first. */
  list: base
    .meta({ role: 'viewer' })
    .input(z.object({ limit: z.number().int().min(1).max(200).default(30) }))
    .output(z.object({ benchmarks: z.array(BenchInfo), runs: z.array(BenchRun), unreadable: z.array(z.string()) })),
  /** One run by id, or the newest (null when none is stored). */
  get: base.meta({ role: 'viewer' }).input(z.object({ id: z.string().max(40).nullable().default(null) })).output(BenchRun.nullable()),
  /** Runs the suite (or some of it) as a job on bench stacks of its own; the run is stored when it ends. */
  start: base.meta({ role: 'operator' }).input(BenchStartInput).output(JobRecord)
}
