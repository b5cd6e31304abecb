import { z } from 'zod'
import { base } from '../contract-base'

const EndpointName = z.enum(['510k', 'classification', 'event', 'recall', 'pma', 'udi', 'enforcement'])

/** openFDA's query parameters (docs/LOCAL-API.md); bounds are checked as openFDA does, with its errors. */
export const OpenFdaQueryInput = z.object({
  endpoint: EndpointName,
  search: z.string().max(4000).optional(),
  count: z.string().max(200).optional(),
  sort: z.string().max(200).optional(),
  limit: z.number().int().min(0).max(100_000).optional(),
  skip: z.number().int().min(0).max(1_000_000).optional(),
  search_after: z.string().max(2000).optional()
})

/** openFDA's answer: the envelope, or its error body with the HTTP status it would have. */
export const OpenFdaQueryResult = z.union([
  z.object({ ok: z.literal(true), envelope: z.object({ meta: z.record(z.string(), z.unknown()), results: z.array(z.unknown()) }) }),
  z.object({ ok: z.literal(false), status: z.number().int(), error: z.object({ code: z.string(), message: z.string() }) })
])

export const LocalApiInfo = z.object({
  url: z.string(),
  port: z.number().int(),
  requireKey: z.boolean(),
  autoStart: z.boolean(),
  /** Whether something answering like the local API listens on that port now. */
  listening: z.boolean()
})

/** The openFDA-compatible local API: where it is, and openFDA queries against the mirror. */
export const openfdaApiContract = {
  info: base.meta({ role: 'viewer' }).output(LocalApiInfo),
  query: base.meta({ role: 'viewer' }).input(OpenFdaQueryInput).output(OpenFdaQueryResult)
}
