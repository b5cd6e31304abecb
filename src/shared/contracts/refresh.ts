import { z } from 'zod'
import { base } from '../contract-base'
import { EndpointName, JobRecord } from '../schemas'

export const RefreshInput = z.object({
  endpoints: z.array(EndpointName).max(7).optional(),
  /** Into the standby color (GREEN); default: yes when the selection includes event or UDI. */
  blueGreen: z.boolean().optional(),
  /** openFDA API base URL (default: the `openfda.baseUrl` setting). */
  source: z.string().max(2048).url().optional(),
  manifestUrl: z.string().max(2048).url().optional(),
  full: z.boolean().optional(),
  since: z.string().max(10).regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD').optional()
})

const Counts = { inserted: z.number(), updated: z.number(), deleted: z.number(), unchanged: z.number(), conflicts: z.number(), restored: z.number(), digest: z.string() }

export const RefreshSummary = z.object({
  runId: z.string(),
  color: z.enum(['blue', 'green']),
  blueGreen: z.boolean(),
  resumed: z.boolean(),
  source: z.string(),
  seconds: z.number(),
  endpoints: z.array(
    z.object({
      endpoint: EndpointName,
      mode: z.enum(['date-range', 'bulk']),
      window: z.object({ field: z.string().nullable(), from: z.string().nullable(), to: z.string().nullable() }).nullable(),
      fetched: z.number(),
      rejected: z.number(),
      ...Counts,
      /** Into the standby: the rows and content digest the endpoint must hold afterwards (the promotion guardrail's expectation). */
      expected: z.object({ rows: z.number(), digest: z.string() }).optional()
    })
  )
})

export const Freshness = z.object({
  endpoint: EndpointName,
  state: z.enum(['fresh', 'due', 'overdue']),
  lastSuccessAt: z.string().nullable(),
  ttlTier: z.string(),
  ttlSeconds: z.number(),
  /** When it becomes due (ISO), null when never loaded. */
  dueAt: z.string().nullable()
})

export const refreshContract = {
  /** Starts a refresh job (operators). */
  start: base.meta({ role: 'operator' }).input(RefreshInput).output(JobRecord),
  result: base.meta({ role: 'viewer' }).input(z.object({ jobId: z.string().max(100) })).output(RefreshSummary.nullable()),
  /** fresh / due / overdue per endpoint of the live mirror. */
  freshness: base.meta({ role: 'viewer' }).output(z.array(Freshness))
}
