import type { Endpoint } from '../endpoints'

/**
 * The openFDA query API as the console speaks it, in every direction: the real API (client), the
 * mirror in PostgreSQL (local API), the JSON cache, and the test server. One envelope, one error.
 */
export interface OpenFdaParams {
  search?: string
  /** Field to count by, with `.exact` for whole values. */
  count?: string
  /** `field:asc` or `field:desc`. */
  sort?: string
  /** 1..1000 (openFDA's limit; count queries allow up to 1000 terms). */
  limit?: number
  /** 0..25000 (openFDA's limit); beyond it, `search_after`. */
  skip?: number
  search_after?: string
}

export interface OpenFdaMeta {
  disclaimer?: string
  terms?: string
  license?: string
  last_updated?: string
  results?: { skip: number; limit: number; total: number }
}

/** A search answer: `results` are records; a count answer: `results` are `{ term, count }`. */
export interface OpenFdaEnvelope {
  meta: OpenFdaMeta
  results: unknown[]
}

/** openFDA's error body: `{ "error": { "code": "NOT_FOUND", "message": "No matches found!" } }` with its HTTP status. */
export class OpenFdaQueryError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message)
  }
  body(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } }
  }
}

/** Anything that answers openFDA queries for one endpoint at a time. Throws OpenFdaQueryError. */
export interface QueryEngine {
  query(endpoint: Endpoint, params: OpenFdaParams, signal?: AbortSignal): Promise<OpenFdaEnvelope>
}
