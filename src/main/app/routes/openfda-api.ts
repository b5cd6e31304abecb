import type pg from 'pg'
import { createReaderPool } from '../../openfda/local-api/reader'
import { localApiKey } from '../../openfda/local-api/service'
import { SqlQueryEngine } from '../../openfda/query/sql-engine'
import { OpenFdaQueryError } from '../../openfda/query/types'
import type { Services } from '../services'
import { api } from '../api'

/** One reader pool and engine per process's services, made on first use and ended with them. */
const engines = new WeakMap<Services, { engine: SqlQueryEngine; pool: pg.Pool }>()
function engineFor(s: Services): SqlQueryEngine {
  let e = engines.get(s)
  if (!e) {
    const pool = createReaderPool(s, 4)
    e = { engine: new SqlQueryEngine(pool), pool }
    engines.set(s, e)
    const close = s.close.bind(s)
    s.close = async () => {
      await pool.end().catch(() => {})
      await close()
    }
  }
  return e.engine
}

export const openfdaApiRoutes = {
  info: api.openfdaApi.info.handler(async ({ context }) => {
    const s = context.services
    const port = s.settings.ports.api
    const url = `http://127.0.0.1:${port}`
    let listening = false
    try {
      const headers: Record<string, string> = s.settings.localApi.requireKey ? { 'X-Api-Key': localApiKey(s) } : {}
      const r = await fetch(`${url}/device/classification.json?limit=0`, { headers, signal: AbortSignal.timeout(1500) })
      const body = (await r.json()) as { meta?: unknown; error?: unknown }
      listening = Boolean(body.meta || body.error)
    } catch {
      listening = false
    }
    return { url, port, requireKey: s.settings.localApi.requireKey, autoStart: s.settings.localApi.autoStart, listening }
  }),
  query: api.openfdaApi.query.handler(async ({ input, context }) => {
    const { endpoint, ...params } = input
    try {
      const envelope = await engineFor(context.services).query(endpoint, params)
      return { ok: true as const, envelope: envelope as { meta: Record<string, unknown>; results: unknown[] } }
    } catch (e) {
      if (e instanceof OpenFdaQueryError) return { ok: false as const, status: e.status, error: e.body().error }
      throw e
    }
  })
}
