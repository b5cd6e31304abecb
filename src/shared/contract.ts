import { eventIterator, oc } from '@orpc/contract'
import { z } from 'zod'
import { apiErrors } from './errors'
import { JobEvent, JobRecord, StackDownInput, StackStatus, StackUpInput } from './schemas'

/**
 * The one API of the console. Served over an Electron MessagePort (desktop), over HTTP (server
 * mode) and called in-process (CLI). A snapshot test pins its surface.
 */
const base = oc.errors(apiErrors)

export const contract = {
  app: {
    info: base.output(
      z.object({ name: z.string(), version: z.string(), host: z.enum(['desktop', 'server', 'cli']), home: z.string() })
    )
  },
  status: {
    get: base.output(StackStatus)
  },
  stack: {
    /** Starts a job that ensures the image and brings BLUE (and GREEN on request) and PgBouncer up. */
    up: base.input(StackUpInput).output(JobRecord),
    down: base.input(StackDownInput).output(JobRecord),
    logs: base
      .input(z.object({ role: z.enum(['blue', 'green', 'pgbouncer']), tail: z.number().int().min(1).max(5000).default(200) }))
      .output(z.object({ lines: z.array(z.string()) }))
  },
  jobs: {
    list: base.input(z.object({ limit: z.number().int().min(1).max(500).default(50) })).output(z.array(JobRecord)),
    get: base.input(z.object({ jobId: z.string() })).output(JobRecord),
    watch: base.input(z.object({ jobId: z.string() })).output(eventIterator(JobEvent)),
    cancel: base.input(z.object({ jobId: z.string() })).output(JobRecord)
  }
}
export type Contract = typeof contract
