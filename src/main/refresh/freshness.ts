import type pg from 'pg'
import { ENDPOINTS, type Endpoint } from '../openfda/endpoints'
import { staleness, type Staleness } from './plan'

export interface EndpointFreshness {
  endpoint: Endpoint
  state: Staleness
  lastSuccessAt: string | null
  ttlTier: string
  ttlSeconds: number
  dueAt: string | null
}

/** fresh / due / overdue per endpoint, from openfda.refresh_metadata of the database `q` reaches. */
export async function freshness(q: pg.Pool | pg.ClientBase, now = Date.now()): Promise<EndpointFreshness[]> {
  const r = await q.query<{ endpoint: Endpoint; ttl_tier: string; ttl_seconds: number; last_success_at: Date | null }>(
    'SELECT endpoint, ttl_tier, ttl_seconds, last_success_at FROM openfda.refresh_metadata'
  )
  return ENDPOINTS.map((endpoint) => {
    const m = r.rows.find((x) => x.endpoint === endpoint)
    const last = m?.last_success_at ?? null
    const ttl = Number(m?.ttl_seconds ?? 86_400)
    return {
      endpoint, state: staleness(last, ttl, now), lastSuccessAt: last?.toISOString() ?? null, ttlTier: m?.ttl_tier ?? 'unknown', ttlSeconds: ttl,
      dueAt: last ? new Date(last.getTime() + ttl * 1000).toISOString() : null
    }
  })
}

export function formatFreshness(list: EndpointFreshness[]): string {
  return ['ENDPOINT        STATE     LAST REFRESH              TTL       DUE AT']
    .concat(list.map((f) => `${f.endpoint.padEnd(15)} ${f.state.padEnd(9)} ${(f.lastSuccessAt ?? 'never').padEnd(25)} ${f.ttlTier.padEnd(9)} ${f.dueAt ?? 'now'}`))
    .join('\n')
}
