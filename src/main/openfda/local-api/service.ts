import { randomBytes } from 'node:crypto'
import type { Services } from '../../app/services'
import { ensureSecret } from '../../config/secrets'
import { createMirrorEngine } from './reader'
import { startLocalApi, type LocalApiServer } from './server'

/** The local API's key, in the console's secret store (never in settings, never logged). */
export const LOCAL_API_KEY_SECRET = 'localApi.key'

export function localApiKey(s: Pick<Services, 'secrets'>, rotate = false): string {
  if (rotate) s.secrets.set(LOCAL_API_KEY_SECRET, randomBytes(24).toString('base64url'))
  return ensureSecret(s.secrets, LOCAL_API_KEY_SECRET)
}

export interface MirrorApi extends LocalApiServer {
  requireKey: boolean
}

/**
 * The openFDA-compatible API over the mirror, on 127.0.0.1 at `ports.api` (or `port`), reading as
 * fda_reader through PgBouncer. With `localApi.requireKey` every request must carry the key.
 */
export async function startMirrorApi(
  s: Pick<Services, 'stack' | 'db' | 'secrets' | 'settings'>,
  opts: { port?: number; requireKey?: boolean; cacheEntries?: number; onRequest?: (r: { method: string; path: string; status: number; ms: number }) => void } = {}
): Promise<MirrorApi> {
  const requireKey = opts.requireKey ?? s.settings.localApi.requireKey
  const keys = requireKey ? [localApiKey(s)] : []
  const { engine, pool } = createMirrorEngine(s, { cacheEntries: opts.cacheEntries })
  const server = await startLocalApi({ engine, port: opts.port ?? s.settings.ports.api, apiKeys: () => keys, onRequest: opts.onRequest })
  return {
    ...server,
    requireKey,
    close: async () => {
      await server.close()
      await pool.end().catch(() => {})
    }
  }
}

/** Server mode and the desktop app start the local API too (settings localApi.autoStart); a failure is reported, not fatal. */
export async function startLocalApiWithServer(s: Services): Promise<MirrorApi | null> {
  if (!s.settings.localApi.autoStart) return null
  try {
    const api = await startMirrorApi(s)
    process.stderr.write(`openFDA-compatible API on ${api.url}${api.requireKey ? ' (key required)' : ''}\n`)
    return api
  } catch (e) {
    process.stderr.write(`the openFDA-compatible API did not start: ${(e as Error).message} (set ports.api or FDA_API_PORT)\n`)
    return null
  }
}
