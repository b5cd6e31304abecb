import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { pyCanonical } from '../../importer/python-json'
import type { Endpoint } from '../endpoints'
import type { OpenFdaEnvelope, OpenFdaParams } from '../query/types'

/**
 * The JSON cache: one file per exact query, `<16 hex>.json`, in the earlier Python tool's integrity
 * envelope `{"_integrity_version": "1.0", "_checksum_algorithm": "sha256", "_checksum": sha256 of
 * the canonical JSON of "data", "_cached_at": epoch seconds, "data": the openFDA envelope}`, so the
 * migration wizard reads these files like the earlier tool's. `_endpoint` and `_query` say which
 * query the file answers (the earlier tool's reader ignores them).
 */
export interface CachedAnswer {
  envelope: OpenFdaEnvelope
  cachedAt: number
  file: string
}

/** The parameters that change an answer, in a fixed order; empty ones dropped. */
export function normaliseParams(p: OpenFdaParams): Record<string, string | number> {
  const out: Record<string, string | number> = {}
  for (const k of ['search', 'count', 'sort', 'limit', 'skip', 'search_after'] as const) {
    const v = p[k]
    if (v === undefined || v === '' || (k === 'skip' && v === 0)) continue
    out[k] = k === 'search' && typeof v === 'string' ? v.replace(/\+/g, ' ').trim() : v
  }
  return out
}

export function cacheKey(endpoint: Endpoint, params: OpenFdaParams): string {
  return createHash('sha256').update(pyCanonical({ endpoint, params: normaliseParams(params) })).digest('hex').slice(0, 16)
}

export class JsonCache {
  constructor(readonly dir: string) {}

  fileFor(endpoint: Endpoint, params: OpenFdaParams): string {
    return join(this.dir, `${cacheKey(endpoint, params)}.json`)
  }

  /** The cached answer when present and intact; a damaged or altered file reads as absent (and says why). */
  read(endpoint: Endpoint, params: OpenFdaParams): CachedAnswer | { missing: string } {
    const file = this.fileFor(endpoint, params)
    if (!existsSync(file)) return { missing: 'no cached answer for this exact query' }
    let doc: { _checksum?: string; _cached_at?: number; data?: OpenFdaEnvelope }
    try {
      doc = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''))
    } catch (e) {
      return { missing: `the cached file ${file} is not valid JSON (${(e as Error).message})` }
    }
    if (!doc?.data || !Array.isArray(doc.data.results)) return { missing: `the cached file ${file} holds no openFDA envelope` }
    if (doc._checksum !== undefined && sha256(pyCanonical(doc.data)) !== String(doc._checksum).toLowerCase())
      return { missing: `the cached file ${file} fails its checksum (altered or damaged)` }
    return { envelope: doc.data, cachedAt: typeof doc._cached_at === 'number' ? doc._cached_at : 0, file }
  }

  /** Writes an answer (atomically: temporary file, then rename). */
  write(endpoint: Endpoint, params: OpenFdaParams, envelope: OpenFdaEnvelope, now = Date.now()): string {
    mkdirSync(this.dir, { recursive: true })
    const file = this.fileFor(endpoint, params)
    const doc = {
      _integrity_version: '1.0', _checksum_algorithm: 'sha256', _checksum: sha256(pyCanonical(envelope)), _cached_at: now / 1000,
      _endpoint: endpoint, _query: normaliseParams(params), data: envelope
    }
    const tmp = `${file}.${process.pid}.tmp`
    writeFileSync(tmp, JSON.stringify(doc))
    renameSync(tmp, file)
    return file
  }
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex')
