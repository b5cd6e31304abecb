import { closeSync, existsSync, openSync, readSync, readdirSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { isEndpoint, type Endpoint } from '../openfda/endpoints'
import { endpointFromName } from './infer'

export type InputKind = 'cache' | 'product-codes' | 'bulk-json' | 'bulk-zip' | 'ndjson' | 'unknown'

export interface InputFile {
  path: string
  name: string
  size: number
  kind: InputKind
  endpoint: Endpoint | null
  /** The cache envelope's `_cached_at` when its first bytes hold it (they do in the earlier tool's files). */
  cachedAtInHead?: number
}

export class SourceError extends Error {
  constructor(message: string, readonly fix: string) {
    super(message)
  }
}

function peek(path: string, bytes = 4096): string {
  const fd = openSync(path, 'r')
  try {
    const buf = Buffer.alloc(bytes)
    const n = readSync(fd, buf, 0, bytes, 0)
    return buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '')
  } finally {
    closeSync(fd)
  }
}

/** What a file is, from its name and first bytes. */
export function classify(path: string, endpointHint: Endpoint | null): InputFile {
  const name = basename(path)
  const size = statSync(path).size
  const base = { path, name, size }
  if (/\.json\.zip$|\.zip$/i.test(name)) return { ...base, kind: 'bulk-zip', endpoint: endpointFromName(name) ?? endpointHint }
  if (/\.(ndjson|jsonl)$/i.test(name)) return { ...base, kind: 'ndjson', endpoint: endpointHint ?? endpointFromName(name) }
  if (name === 'all_product_codes.json') return { ...base, kind: 'product-codes', endpoint: null }
  const head = peek(path).trimStart()
  if (/^\{\s*"(_integrity_version|_checksum_algorithm|_checksum|_cached_at|data)"/.test(head) || (/^[0-9a-f]{16}\.json$/i.test(name) && head.startsWith('{')))
    return { ...base, kind: 'cache', endpoint: null, cachedAtInHead: cachedAtOf(head) }
  if (head.startsWith('{')) return { ...base, kind: 'bulk-json', endpoint: endpointFromName(name) ?? endpointHint }
  return { ...base, kind: 'unknown', endpoint: null } // the reader rejects it, saying why
}

/** `_cached_at` when it comes before `data` in the envelope (Python writes the keys in that order). */
function cachedAtOf(head: string): number | undefined {
  const m = /^\{[^]*?"(_cached_at|data)"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)?/.exec(head)
  return m && m[1] === '_cached_at' && m[2] !== undefined ? Number(m[2]) : undefined
}

/** The files of a source: one file, or every .json / .json.zip / .ndjson / .jsonl in a folder (sorted). */
export function scanSource(source: string, endpointHint: string | null): InputFile[] {
  if (!existsSync(source)) throw new SourceError(`${source} does not exist`, 'Choose an existing cache folder or file.')
  if (endpointHint !== null && !isEndpoint(endpointHint))
    throw new SourceError(`unknown endpoint "${endpointHint}"`, 'Use one of 510k, classification, event, recall, pma, udi, enforcement.')
  const hint = endpointHint as Endpoint | null
  const st = statSync(source)
  const paths = st.isDirectory()
    ? readdirSync(source).filter((f) => /\.(json|json\.zip|zip|ndjson|jsonl)$/i.test(f)).sort().map((f) => join(source, f))
    : [source]
  return paths.map((p) => classify(p, hint))
}

/** Where the earlier Python tool kept its cache. */
export function earlierToolCache(home: string): string | null {
  const dir = join(home, 'fda-510k-data', 'api_cache')
  return existsSync(dir) ? dir : null
}
