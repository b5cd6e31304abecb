import type { Endpoint } from './endpoints'
import type { JsonCache } from './cache/json-cache'
import { OpenFdaQueryError, type OpenFdaEnvelope, type OpenFdaParams, type QueryEngine } from './query/types'

export type Tier = 'postgres' | 'cache' | 'api'

/** What the read path adds to openFDA's `meta` (as `meta.fda_offline`); openFDA's own fields stay as they were. */
export interface ReadPathInfo {
  /** The tier whose answer this is; null when no tier could answer. */
  tier: Tier | null
  /** True when the answer is not fresh by the endpoint's TTL tier, or no tier answered. */
  degraded: boolean
  /** Why each earlier tier did not answer. */
  skipped: { tier: Tier; reason: string }[]
  /** When the answering tier's data was fetched from openFDA (ISO time), when known. */
  as_of: string | null
  ttl_seconds: number
}

export type ReadPathEnvelope = OpenFdaEnvelope & { meta: OpenFdaEnvelope['meta'] & { fda_offline: ReadPathInfo } }

/** TTL tiers (seconds), the defaults of openfda.refresh_metadata: safety data daily, approvals weekly, reference monthly. */
export const DEFAULT_TTL_SECONDS: Record<Endpoint, number> = {
  event: 86_400, recall: 86_400, enforcement: 86_400,
  '510k': 604_800, pma: 604_800, udi: 604_800,
  classification: 2_592_000
}

export interface PostgresTier {
  /** Null when this build has no SQL engine: the tier is then skipped, saying so. */
  engine: QueryEngine | null
  /** The endpoint's last successful load and its TTL, from openfda.refresh_metadata. */
  freshness(endpoint: Endpoint): Promise<{ lastSuccessAt: Date | null; ttlSeconds: number }>
}

export interface ReadPathDeps {
  postgres: PostgresTier | null
  cache: JsonCache | null
  api: QueryEngine | null
  /** A tier that takes longer than this is skipped (default 15 s; the API tier has its own timeouts and retries). */
  tierTimeoutMs?: number
  now?: () => number
}

/**
 * PostgreSQL (through PgBouncer) → the JSON cache → the openFDA API. Each tier must be fresh by the
 * endpoint's TTL to answer; API answers are written through to the cache. When no tier answers
 * fresh, the freshest stale answer is returned marked degraded; when none answers at all, an empty
 * envelope marked degraded with every reason. Only a query openFDA itself would refuse (400) is
 * thrown, since no tier can answer it.
 */
export class ReadPath implements QueryEngine {
  private readonly ttls = new Map<Endpoint, number>()

  constructor(private readonly d: ReadPathDeps) {}

  async query(endpoint: Endpoint, params: OpenFdaParams, signal?: AbortSignal): Promise<ReadPathEnvelope> {
    const now = this.d.now?.() ?? Date.now()
    const skipped: ReadPathInfo['skipped'] = []
    let stalePg = false
    let staleCache: { envelope: OpenFdaEnvelope; cachedAt: number } | null = null
    let pgAsOf: Date | null = null

    // 1. PostgreSQL through PgBouncer
    if (!this.d.postgres) skipped.push({ tier: 'postgres', reason: 'no database is configured for this process' })
    else {
      try {
        const f = await this.timed(this.d.postgres.freshness(endpoint), 'PostgreSQL')
        this.ttls.set(endpoint, f.ttlSeconds)
        pgAsOf = f.lastSuccessAt
        if (!f.lastSuccessAt) skipped.push({ tier: 'postgres', reason: `the mirror has never loaded ${endpoint}` })
        else if (now - f.lastSuccessAt.getTime() > f.ttlSeconds * 1000) {
          stalePg = true
          skipped.push({ tier: 'postgres', reason: `the mirror's ${endpoint} data is stale: last refreshed ${f.lastSuccessAt.toISOString()}, older than its TTL of ${human(f.ttlSeconds)}` })
        } else if (!this.d.postgres.engine) {
          skipped.push({ tier: 'postgres', reason: 'this build has no SQL query engine for the mirror' })
        } else {
          const env = await this.answer(this.d.postgres.engine, endpoint, params, signal)
          return this.done(env, 'postgres', false, skipped, f.lastSuccessAt.toISOString(), endpoint)
        }
      } catch (e) {
        if (isBadQuery(e)) throw e
        skipped.push({ tier: 'postgres', reason: `PostgreSQL through PgBouncer is not reachable: ${reasonOf(e)}` })
      }
    }
    const ttl = this.ttls.get(endpoint) ?? DEFAULT_TTL_SECONDS[endpoint]

    // 2. the JSON cache
    if (!this.d.cache) skipped.push({ tier: 'cache', reason: 'no JSON cache is configured' })
    else {
      const c = this.d.cache.read(endpoint, params)
      if ('missing' in c) skipped.push({ tier: 'cache', reason: c.missing })
      else if (now - c.cachedAt * 1000 > ttl * 1000) {
        staleCache = c
        skipped.push({ tier: 'cache', reason: `the cached answer is stale: cached ${new Date(c.cachedAt * 1000).toISOString()}, older than the TTL of ${human(ttl)}` })
      } else return this.done(c.envelope, 'cache', false, skipped, new Date(c.cachedAt * 1000).toISOString(), endpoint)
    }

    // 3. the openFDA API, written through to the cache
    if (!this.d.api) skipped.push({ tier: 'api', reason: 'the openFDA API is not configured' })
    else {
      try {
        const env = await this.answer(this.d.api, endpoint, params, signal, false)
        if (this.d.cache) {
          try {
            this.d.cache.write(endpoint, params, env, now)
          } catch (e) {
            skipped.push({ tier: 'cache', reason: `the API answer could not be written to the cache: ${reasonOf(e)}` })
          }
        }
        return this.done(env, 'api', false, skipped, new Date(now).toISOString(), endpoint)
      } catch (e) {
        if (isBadQuery(e)) throw e
        const why = reasonOf(e)
        skipped.push({ tier: 'api', reason: /^openFDA/.test(why) ? why : `openFDA did not answer: ${why}` })
      }
    }

    // Nothing fresh: the freshest stale answer, marked degraded.
    if (stalePg && this.d.postgres?.engine) {
      try {
        const env = await this.answer(this.d.postgres.engine, endpoint, params, signal)
        return this.done(env, 'postgres', true, skipped, pgAsOf?.toISOString() ?? null, endpoint)
      } catch (e) {
        if (isBadQuery(e)) throw e
        skipped.push({ tier: 'postgres', reason: `the stale mirror could not answer either: ${reasonOf(e)}` })
      }
    }
    if (staleCache) return this.done(staleCache.envelope, 'cache', true, skipped, new Date(staleCache.cachedAt * 1000).toISOString(), endpoint)
    const empty: OpenFdaEnvelope = { meta: { results: { skip: params.skip ?? 0, limit: params.limit ?? 1, total: 0 } }, results: [] }
    return this.done(empty, null, true, skipped, null, endpoint)
  }

  /** A tier's answer; 404 "No matches found" is an empty answer, as openFDA clients expect from the API. */
  private async answer(engine: QueryEngine, endpoint: Endpoint, params: OpenFdaParams, signal?: AbortSignal, timed = true): Promise<OpenFdaEnvelope> {
    try {
      const p = engine.query(endpoint, params, signal)
      return timed ? await this.timed(p, 'the tier') : await p
    } catch (e) {
      if (e instanceof OpenFdaQueryError && e.status === 404 && e.code === 'NOT_FOUND')
        return { meta: { results: { skip: params.skip ?? 0, limit: params.limit ?? 1, total: 0 } }, results: [] }
      throw e
    }
  }

  private done(env: OpenFdaEnvelope, tier: Tier | null, degraded: boolean, skipped: ReadPathInfo['skipped'], asOf: string | null, endpoint: Endpoint): ReadPathEnvelope {
    const info: ReadPathInfo = { tier, degraded, skipped, as_of: asOf, ttl_seconds: this.ttls.get(endpoint) ?? DEFAULT_TTL_SECONDS[endpoint] }
    return { ...env, meta: { ...env.meta, fda_offline: info } }
  }

  private timed<T>(p: Promise<T>, what: string): Promise<T> {
    const ms = this.d.tierTimeoutMs ?? 15_000
    let t: NodeJS.Timeout
    return Promise.race([
      p.finally(() => clearTimeout(t)),
      new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)))
    ])
  }
}

/** A query openFDA refuses (400) is the caller's to fix: no other tier would answer it differently. */
function isBadQuery(e: unknown): boolean {
  return e instanceof OpenFdaQueryError && e.status === 400
}

function reasonOf(e: unknown): string {
  const err = e as Error & { code?: string; errors?: Error[] }
  if (err?.errors?.length) return err.errors.map((x) => x.message).join('; ') // AggregateError (connect to ::1 and 127.0.0.1)
  return err?.message || err?.code || String(e)
}

function human(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day${seconds === 86_400 ? '' : 's'}`
  if (seconds % 3600 === 0) return `${seconds / 3600} h`
  return `${seconds} s`
}
