import { z } from 'zod'
import { base } from '../contract-base'
import { EndpointName } from '../schemas'

/** openFDA's query parameters, with its limits. */
export const QueryInput = z.object({
  endpoint: EndpointName,
  search: z.string().max(4000).optional(),
  count: z.string().max(200).optional(),
  sort: z.string().max(200).optional(),
  limit: z.number().int().min(0).max(1000).optional(),
  skip: z.number().int().min(0).max(25000).optional(),
  search_after: z.string().max(2000).optional()
})

export const ReadPathInfo = z.object({
  tier: z.enum(['postgres', 'cache', 'api']).nullable(),
  degraded: z.boolean(),
  skipped: z.array(z.object({ tier: z.enum(['postgres', 'cache', 'api']), reason: z.string() })),
  as_of: z.string().nullable(),
  ttl_seconds: z.number()
})

/** openFDA's envelope, its fields kept as they came, plus `meta.fda_offline` saying which tier answered. */
export const QueryEnvelope = z.object({
  meta: z.looseObject({ fda_offline: ReadPathInfo }),
  results: z.array(z.unknown())
})

export const queryContract = {
  /** One openFDA query through the three-tier read path (PostgreSQL → JSON cache → openFDA API). Bootstrap: public openFDA data stays readable while the database is down. */
  run: base.meta({ role: 'viewer', bootstrap: true }).input(QueryInput).output(QueryEnvelope)
}
