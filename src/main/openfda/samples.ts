import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Actor } from '../db/database'
import type { RecordStore, UpsertResult } from '../db/records'
import type { JobContext } from '../jobs/job-manager'
import { ENDPOINTS, type Endpoint } from './endpoints'

/** The bundled openFDA sample records (resources/samples, real records; see SOURCES.md there). */
export function sampleFile(resourcesDir: string, endpoint: Endpoint): string {
  return join(resourcesDir, 'samples', `device-${endpoint}.sample.json`)
}

export async function loadSamples(store: RecordStore, resourcesDir: string, actor: Actor, ctx: JobContext): Promise<string> {
  const results: Record<string, UpsertResult> = {}
  for (const [i, endpoint] of ENDPOINTS.entries()) {
    ctx.report({ phase: 'load', done: i, total: ENDPOINTS.length, unit: 'endpoints', message: `loading ${endpoint} samples` })
    const file = sampleFile(resourcesDir, endpoint)
    const body = JSON.parse(readFileSync(file, 'utf8')) as { results?: Record<string, unknown>[] }
    if (!Array.isArray(body.results)) throw new Error(`${file} has no "results" array`)
    results[endpoint] = await store.upsert(endpoint, body.results, `bundled-sample:device-${endpoint}.sample.json`, actor, { bulkJobId: ctx.jobId })
  }
  const sum = (k: 'inserted' | 'updated' | 'unchanged') => Object.values(results).reduce((n, r) => n + r[k], 0)
  const rejected = Object.values(results).reduce((n, r) => n + r.rejected.length, 0)
  return `samples loaded: ${sum('inserted')} new, ${sum('updated')} updated, ${sum('unchanged')} unchanged, ${rejected} rejected`
}
