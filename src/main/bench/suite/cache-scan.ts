import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { inferEndpoint } from '../../importer/infer'
import type { Endpoint } from '../../openfda/endpoints'

type Rec = Record<string, unknown>

/**
 * Answers a question the way the earlier tool had to: read and parse every cache file (their
 * names say nothing about the endpoint), keep the records of the endpoint asked for, and test each.
 * Files of other endpoints are skipped after parsing their first record; envelopes are not
 * verified (generous to the cache: the console's side does verify on import).
 */
export async function scanCache(dir: string, endpoint: Endpoint, visit: (r: Rec) => void, signal?: AbortSignal): Promise<{ seconds: number; files: number; records: number }> {
  const t = performance.now()
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort()
  let records = 0
  for (const name of names) {
    signal?.throwIfAborted()
    const envelope = JSON.parse(await readFile(join(dir, name), 'utf8')) as { data?: { results?: Rec[] } }
    const results = envelope.data?.results ?? []
    if (!results.length || inferEndpoint(results[0]) !== endpoint) continue
    for (const r of results) {
      records++
      visit(r)
    }
  }
  return { seconds: (performance.now() - t) / 1000, files: names.length, records }
}
