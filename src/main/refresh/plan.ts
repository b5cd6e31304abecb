import type { Endpoint } from '../openfda/endpoints'

/**
 * Endpoints whose records carry a date that moves forward as openFDA adds records: they are
 * refreshed by a window of that date (openFDA's field, the mirror's parsed column, and how the
 * records write it). The others (classification, recall, UDI) are refreshed from openFDA's bulk
 * files in the download manifest.
 */
export const MOVING_DATES: Partial<Record<Endpoint, { field: string; column: 'received_date' | 'decision_date' | 'report_date'; compact: boolean }>> = {
  event: { field: 'date_received', column: 'received_date', compact: true },
  '510k': { field: 'decision_date', column: 'decision_date', compact: false },
  pma: { field: 'decision_date', column: 'decision_date', compact: false },
  enforcement: { field: 'report_date', column: 'report_date', compact: true }
}

/** openFDA revises recent records for a while after first publishing them: each window reaches back this far before the last refresh. */
export const OVERLAP_DAYS = 30

/** Endpoints large enough that a refresh goes to the standby color by default (blue-green). */
export const LARGE_ENDPOINTS: Endpoint[] = ['event', 'udi']

export interface EndpointPlan {
  endpoint: Endpoint
  mode: 'date-range' | 'bulk'
  dateField: string | null
  from: string | null
  to: string | null
}

/**
 * Date window when the target already holds the endpoint (from its last success less the overlap,
 * or `since`, to today); bulk files when it never loaded it (a window would bring only part of it)
 * or when a full refresh is asked for.
 */
export function planEndpoint(endpoint: Endpoint, lastSuccessAt: Date | null, opts: { full?: boolean; since?: string | null; today?: Date }): EndpointPlan {
  const d = MOVING_DATES[endpoint]
  const today = (opts.today ?? new Date()).toISOString().slice(0, 10)
  if (!d || opts.full || (!lastSuccessAt && !opts.since)) return { endpoint, mode: 'bulk', dateField: null, from: null, to: null }
  const from = opts.since ?? new Date(lastSuccessAt!.getTime() - OVERLAP_DAYS * 86_400_000).toISOString().slice(0, 10)
  return { endpoint, mode: 'date-range', dateField: d.field, from, to: today }
}

/** openFDA's range search for a window, in the form the endpoint's records use (YYYYMMDD or YYYY-MM-DD). */
export function windowSearch(endpoint: Endpoint, from: string, to: string): string {
  const d = MOVING_DATES[endpoint]!
  const f = (iso: string): string => (d.compact ? iso.replace(/-/g, '') : iso)
  return `${d.field}:[${f(from)} TO ${f(to)}]`
}

export type Staleness = 'fresh' | 'due' | 'overdue'

/** fresh: within its TTL; due: past its TTL (refresh now); overdue: past twice its TTL, or never loaded. */
export function staleness(lastSuccessAt: Date | string | null, ttlSeconds: number, now = Date.now()): Staleness {
  if (!lastSuccessAt) return 'overdue'
  const age = (now - new Date(lastSuccessAt).getTime()) / 1000
  return age <= ttlSeconds ? 'fresh' : age <= 2 * ttlSeconds ? 'due' : 'overdue'
}
