import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import chain from 'stream-chain'
import { parser } from 'stream-json'
import { pick } from 'stream-json/filters/pick.js'
import { streamArray } from 'stream-json/streamers/stream-array.js'
import yauzl from 'yauzl'
import type { Endpoint } from '../openfda/endpoints'
import { endpointFromName, inferEndpoint } from './infer'
import { hasFloatTokens, parseKeepingNumbers, pyCanonical } from './python-json'
import type { InputFile } from './sources'

type Rec = Record<string, unknown>

export type ReadEvent =
  | { type: 'file'; cachedAt: number; endpoint: Endpoint | null; checksum: 'verified' | 'absent' | 'none' }
  | { type: 'record'; endpoint: Endpoint; ord: number; record: Rec; bytes: number; canonical?: string }
  | { type: 'reject'; position: string; reason: string; record?: Rec }
  /** The whole file is refused: none of its records may be loaded (the caller rolls its batch back). */
  | { type: 'file-reject'; position: string; reason: string }
  | { type: 'skip'; reason: string }

/** Reads any accepted input as a stream of events; never throws for bad input, it reports it. */
export async function* readInput(file: InputFile, endpointHint: Endpoint | null): AsyncGenerator<ReadEvent> {
  try {
    switch (file.kind) {
      case 'cache':
        yield* readCacheFile(file)
        return
      case 'product-codes':
        yield { type: 'skip', reason: 'the list of product codes (all_product_codes.json) holds no records' }
        return
      case 'bulk-json':
        yield* readBulkJson(file, createReadStream(file.path), file.endpoint ?? endpointHint)
        return
      case 'bulk-zip':
        yield* readZip(file, endpointHint)
        return
      case 'ndjson':
        yield* readNdjson(file, file.endpoint ?? endpointHint)
        return
      default:
        yield { type: 'file-reject', position: 'byte 0', reason: 'not a JSON file (it does not start with "{")' }
    }
  } catch (e) {
    yield { type: 'file-reject', position: 'file', reason: `could not be read: ${(e as Error).message}` }
  }
}

/**
 * The earlier tool's cache: one API response per file (a few MB at most), read whole. The
 * integrity envelope's checksum is verified before any record is passed on.
 */
async function* readCacheFile(file: InputFile): AsyncGenerator<ReadEvent> {
  const text = (await readFile(file.path, 'utf8')).replace(/^\uFEFF/, '')
  let doc: Rec
  try {
    doc = JSON.parse(text) as Rec
  } catch (e) {
    yield { type: 'file-reject', position: 'file', reason: `not valid JSON (${(e as Error).message}); the file may be truncated` }
    return
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || !('data' in doc)) {
    yield { type: 'file-reject', position: 'file', reason: 'not a cache file: no "data" member' }
    return
  }
  let checksum: 'verified' | 'absent' = 'absent'
  // Each record's canonical text serves twice: in the envelope checksum and in its own checksum.
  // JSON.parse forgets 1.0 vs 1 (and digits of huge integers), which Python printed its own way:
  // with a checksum, a mismatch is retried with the exact parser; without one, the text is scanned.
  const plainData = doc.data as Rec | null
  const shaped = plainData !== null && typeof plainData === 'object' && Array.isArray(plainData.results) && Object.keys(plainData).sort().join() === 'meta,results'
  const hasChecksum = '_checksum' in doc
  let canonicals = shaped && (hasChecksum || !hasFloatTokens(text)) ? (plainData.results as unknown[]).map(pyCanonical) : null
  if (hasChecksum) {
    if (doc._checksum_algorithm !== undefined && doc._checksum_algorithm !== 'sha256') {
      yield { type: 'file-reject', position: 'file', reason: `unsupported checksum algorithm ${String(doc._checksum_algorithm)}` }
      return
    }
    const expected = String(doc._checksum).toLowerCase()
    const sha = (canonical: string) => createHash('sha256').update(canonical, 'utf8').digest('hex')
    let computed = canonicals ? envelopeSha(pyCanonical(plainData!.meta), canonicals) : sha(pyCanonical(doc.data))
    if (computed !== expected && hasFloatTokens(text)) {
      computed = sha(pyCanonical((parseKeepingNumbers(text) as Rec).data))
      canonicals = null // the records' own canonical texts are made from their values instead
    }
    if (computed !== expected) {
      yield { type: 'file-reject', position: 'file', reason: `envelope checksum mismatch (file says ${String(doc._checksum).slice(0, 12)}…, content gives ${computed.slice(0, 12)}…): the file was altered or damaged` }
      return
    }
    checksum = 'verified'
  }
  const cachedAt = typeof doc._cached_at === 'number' ? doc._cached_at : (await stat(file.path)).mtimeMs / 1000
  const data = doc.data as Rec | null
  const results = data && typeof data === 'object' ? data.results : undefined
  if (results === undefined || results === null || (Array.isArray(results) && results.length === 0)) {
    yield { type: 'file', cachedAt, endpoint: null, checksum }
    yield { type: 'skip', reason: 'an empty result (openFDA answered "No matches found")' }
    return
  }
  if (!Array.isArray(results)) {
    yield { type: 'file-reject', position: 'file', reason: `"results" is not an array (it is ${typeof results})` }
    return
  }
  const first = results.find((r) => r && typeof r === 'object' && !Array.isArray(r)) as Rec | undefined
  const endpoint = first ? inferEndpoint(first) : null
  if (!endpoint) {
    yield { type: 'file-reject', position: 'file', reason: 'cannot tell which endpoint these records belong to (none of k_number, mdr_report_key, product_res_number, pma_number, recall_number, identifiers, product_code+device_class+regulation_number)' }
    return
  }
  yield { type: 'file', cachedAt, endpoint, checksum }
  for (const [ord, r] of results.entries()) yield* checkRecord(r, ord, endpoint, true, canonicals?.[ord])
}

/** SHA-256 of {"meta":…,"results":[…]} in canonical form, hashed piece by piece (no copy of the whole text). */
function envelopeSha(meta: string, results: string[]): string {
  const h = createHash('sha256').update(`{"meta":${meta},"results":[`)
  for (let i = 0; i < results.length; i++) h.update(i ? ',' + results[i] : results[i])
  return h.update(']}').digest('hex')
}

function* checkRecord(r: unknown, ord: number, endpoint: Endpoint, inferred: boolean, canonical?: string): Generator<ReadEvent> {
  if (!r || typeof r !== 'object' || Array.isArray(r)) {
    yield { type: 'reject', position: `record ${ord}`, reason: 'not a JSON object' }
    return
  }
  const rec = r as Rec
  if (inferred) {
    const own = inferEndpoint(rec)
    if (own && own !== endpoint) {
      yield { type: 'reject', position: `record ${ord}`, reason: `looks like a ${own} record in a file of ${endpoint} records`, record: rec }
      return
    }
  }
  yield { type: 'record', endpoint, ord, record: rec, bytes: 0, canonical }
}

/** openFDA bulk download JSON: {"meta":…, "results":[…]}, streamed record by record. */
async function* readBulkJson(file: InputFile, input: Readable, endpoint: Endpoint | null): AsyncGenerator<ReadEvent> {
  if (!endpoint) {
    yield { type: 'file-reject', position: 'file', reason: `cannot tell the endpoint from the name ${file.name}` }
    return
  }
  yield { type: 'file', cachedAt: (await stat(file.path)).mtimeMs / 1000, endpoint, checksum: 'none' }
  const pipeline = chain([input, parser(), pick({ filter: 'results' }), streamArray()])
  let n = 0
  try {
    for await (const item of pipeline as AsyncIterable<{ key: number; value: unknown }>) {
      n++
      yield* checkRecord(item.value, item.key, endpoint, false)
    }
  } catch (e) {
    yield { type: 'file-reject', position: `after record ${n}`, reason: `the JSON breaks off or is invalid (${(e as Error).message}); the file may be truncated` }
    return
  }
  if (n === 0) yield { type: 'skip', reason: 'no records under "results"' }
}

/** Zipped bulk downloads: every .json entry of the archive, streamed. */
async function* readZip(file: InputFile, endpointHint: Endpoint | null): AsyncGenerator<ReadEvent> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file.path, { lazyEntries: true, autoClose: true }, (err, z) => (err ? reject(err) : resolve(z!)))
  )
  const entries: yauzl.Entry[] = []
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => {
      entries.push(e)
      zip.readEntry()
    })
    zip.on('end', resolve)
    zip.on('error', reject)
    zip.readEntry()
  })
  // Reopen to stream entries one after another (lazy mode closed the first handle at its end).
  for (const entry of entries.filter((e) => /\.json$/i.test(e.fileName))) {
    const z = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.open(file.path, { lazyEntries: true, autoClose: false }, (err, x) => (err ? reject(err) : resolve(x!)))
    )
    const stream = await new Promise<Readable>((resolve, reject) => z.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s!))))
    yield* readBulkJson(file, stream, endpointFromName(entry.fileName) ?? file.endpoint ?? endpointHint)
    z.close()
  }
}

/** One record per line; the endpoint is the user's (or the file name's). */
async function* readNdjson(file: InputFile, endpoint: Endpoint | null): AsyncGenerator<ReadEvent> {
  if (!endpoint) {
    yield { type: 'file-reject', position: 'file', reason: 'NDJSON needs the endpoint: give --endpoint (or name the file device-<endpoint>-….ndjson)' }
    return
  }
  yield { type: 'file', cachedAt: (await stat(file.path)).mtimeMs / 1000, endpoint, checksum: 'none' }
  let line = 0
  for await (const text of createInterface({ input: createReadStream(file.path), crlfDelay: Infinity })) {
    line++
    const t = line === 1 ? text.replace(/^\uFEFF/, '') : text
    if (!t.trim()) continue
    let value: unknown
    try {
      value = JSON.parse(t)
    } catch (e) {
      yield { type: 'reject', position: `line ${line}`, reason: `not valid JSON (${(e as Error).message})` }
      continue
    }
    yield* checkRecord(value, line, endpoint, false)
  }
}
