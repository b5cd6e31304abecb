import { join } from 'node:path'
import type { Services } from '../app/services'
import type { Endpoint } from './endpoints'
import { JsonCache } from './cache/json-cache'
import { createOpenFdaClient } from './client'
import { ReadPath } from './read-path'
import type { QueryEngine } from './query/types'

export const cacheDirOf = (s: Pick<Services, 'home' | 'settings'>): string => s.settings.openfda.cacheDir ?? join(s.home, 'openfda', 'cache')

/**
 * The console's read path: the mirror through PgBouncer (with `sql`, the SQL engine), the JSON
 * cache in the state directory, and openFDA with fewer retries than a refresh (someone is waiting).
 */
export function createReadPath(s: Services, sql: QueryEngine | null, opts: { apiRetries?: number } = {}): ReadPath {
  return new ReadPath({
    postgres: {
      engine: sql,
      freshness: async (endpoint: Endpoint) => {
        const r = await s.db.app().query<{ last_success_at: Date | null; ttl_seconds: number }>(
          'SELECT last_success_at, ttl_seconds FROM openfda.refresh_metadata WHERE endpoint = $1', [endpoint]
        )
        return { lastSuccessAt: r.rows[0]?.last_success_at ?? null, ttlSeconds: Number(r.rows[0]?.ttl_seconds ?? 86_400) }
      }
    },
    cache: new JsonCache(cacheDirOf(s)),
    api: createOpenFdaClient(s, { retries: opts.apiRetries ?? 2 })
  })
}
