import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { copyField } from '../db/bulk-load'
import { checksumOfCanonical, contentChecksum } from '../db/checksum'
import { ENDPOINT_DEFS, EXTRACTED_COLUMNS, KeyError, toRow, type Endpoint } from '../openfda/endpoints'
import { PGP_OPTIONS, splitSensitive, StagingSealer, stagingKey, stagingOpenSql } from '../openfda/sensitive'
import { readInput, type ReadEvent } from './read-file'
import type { InputFile } from './sources'

export interface Reject {
  file: string
  position: string
  key: string | null
  reason: string
}

export interface LoadedFile {
  status: 'loaded' | 'rejected' | 'skipped'
  endpoint: Endpoint | null
  cachedAt: number | null
  records: number
  inserted: number
  updated: number
  unchanged: number
  /** SHA-256 over the file's distinct keys and checksums (sorted), for its audit entry. */
  digest: string | null
  rejects: Reject[]
  note: string | null
}

/** What preparing a file needs (a worker thread gets only this). */
export type PrepareRun = Pick<LoadRun, 'checksumKey' | 'endpointHint'>

export interface LoadRun {
  id: string
  checksumKey: string
  endpointHint: Endpoint | null
  /** Endpoints whose table was empty when the run began: every row there is this run's own. */
  fresh: Set<Endpoint>
}

/** Columns of the per-file temporary table the file's rows are copied into. */
const FILE_ROW_COLUMNS = ['ord', 'key_text', 'key', 'record', 'sensitive', 'checksum', ...EXTRACTED_COLUMNS]
// record is parsed into jsonb by the COPY itself: the insert into the endpoint table then moves
// the (already compressed) value as it is, about a tenth less work for PostgreSQL than parsing it there.
const FILE_ROW_TABLE = `CREATE TEMP TABLE import_file_rows (
  ord integer, key_text text, key jsonb, record jsonb, sensitive text, checksum text,
  product_code text, firm text, device_name text, device_class text,
  decision_date date, decision_date_raw text, received_date date, received_date_raw text, report_date date, report_date_raw text
) ON COMMIT DROP`

// JSON.stringify writes NUL and lone surrogates as escapes; PostgreSQL's jsonb refuses both.
const UNSTORABLE = /(?<!\\)\\u(0000|d[89a-f][0-9a-f]{2})/gi
const HIGH = /^d[89ab]/i
const LOW_ESCAPE = /^\\ud[c-f][0-9a-f]{2}$/i
const HIGH_ESCAPE = /^\\ud[89ab][0-9a-f]{2}$/i

/**
 * Why a record cannot be stored as it is, or null. Such records are rejected, never altered.
 * `asciiCanonical`: the text is Python's canonical form, where every character beyond ASCII is an
 * escape, so a surrogate escape is fine when it is half of a pair.
 */
export function unstorable(json: string, asciiCanonical = false): string | null {
  UNSTORABLE.lastIndex = 0
  for (let m = UNSTORABLE.exec(json); m; m = UNSTORABLE.exec(json)) {
    if (m[1] === '0000') return 'contains a NUL character (\\u0000), which PostgreSQL cannot store in jsonb'
    const paired = asciiCanonical && (HIGH.test(m[1]) ? LOW_ESCAPE.test(json.slice(m.index + 6, m.index + 12)) : HIGH_ESCAPE.test(json.slice(m.index - 6, m.index)))
    if (!paired) return `contains an unpaired UTF-16 surrogate (\\u${m[1]}), which is not valid Unicode`
  }
  return null
}

class FileRejected extends Error {}

/**
 * A file's rows as COPY text, with what was learnt reading it. Lazy (streamed while it is copied)
 * for bulk downloads, which can be gigabytes; `prepareFile` reads a cache file (a few MB) ahead.
 */
export interface FileRows {
  out: LoadedFile
  newest: Map<string, string> // key → checksum of its last copy in this file
  chunks: AsyncIterable<string> | (string | Buffer)[]
  fileReject: { position: string; reason: string } | null
  /**
   * A prepared file's contact fields, by record (`ord`): they go to PostgreSQL as bind parameters,
   * never into a table, and are encrypted there. A streamed file seals them into its rows instead.
   */
  sensitive: { ords: number[]; plains: string[] } | null
}

/** A file prepared by a worker thread: its COPY text as UTF-8 bytes. */
export interface PreparedInWorker {
  out: LoadedFile
  newest: Map<string, string>
  fileReject: FileRows['fileReject']
  sensitive: FileRows['sensitive']
  bytes: Uint8Array
}

/**
 * Cache files up to this size are read ahead (by worker threads), while PostgreSQL writes earlier
 * ones; an API page of 1,000 records is a few MB. Larger files are read in their own turn.
 */
export const READ_AHEAD_MAX_BYTES = 16 * 2 ** 20

/** Cache files are read whole ahead of their turn; other inputs (bulk downloads can be gigabytes) are streamed. */
export const preparable = (file: InputFile): boolean => file.kind === 'cache' && file.size <= READ_AHEAD_MAX_BYTES

function fileRows(run: PrepareRun, file: InputFile, onRecord: (bytes: number) => void, yieldEvery = 0, prepared = false): FileRows {
  const out: LoadedFile = { status: 'loaded', endpoint: null, cachedAt: null, records: 0, inserted: 0, updated: 0, unchanged: 0, digest: null, rejects: [], note: null }
  const sensitiveOf = prepared ? { ords: [] as number[], plains: [] as string[] } : null
  const rows: FileRows = { out, newest: new Map(), chunks: [], fileReject: null, sensitive: sensitiveOf }
  // Contact fields never reach a table readable: a prepared file's travel as bind parameters
  // (bounded: one file), a streamed file's are sealed into its rows; writeNewest encrypts them with pgcrypto.
  const sealer = prepared ? null : new StagingSealer(stagingKey(run.checksumKey))
  const sealed = (ord: number, plain: string | null): string | null => {
    if (plain === null) return null
    if (!sensitiveOf) return sealer!.seal(plain)
    sensitiveOf.ords.push(ord)
    sensitiveOf.plains.push(plain)
    return null
  }
  const reject = (position: string, reason: string, key: string | null = null) => out.rejects.push({ file: file.name, position, key, reason })

  async function* lines(events: AsyncGenerator<ReadEvent>): AsyncGenerator<string> {
    let batch = ''
    for await (const ev of events) {
      if (ev.type === 'file') {
        out.endpoint = ev.endpoint
        out.cachedAt = ev.cachedAt
      } else if (ev.type === 'skip') {
        out.note = ev.reason
      } else if (ev.type === 'reject') {
        reject(ev.position, ev.reason)
      } else if (ev.type === 'file-reject') {
        rows.fileReject = ev
        throw new FileRejected(ev.reason)
      } else {
        let row
        try {
          row = toRow(ev.endpoint, ev.record)
        } catch (e) {
          if (e instanceof KeyError) {
            reject(`record ${ev.ord}`, `no natural key: ${e.message}`)
            continue
          }
          throw e
        }
        const { open, sensitive } = splitSensitive(ev.endpoint, ev.record)
        // With nothing split off, the canonical text made for the checksum is the record's JSON too.
        const reuse = sensitive === null && ev.canonical !== undefined
        const openJson = reuse ? ev.canonical! : JSON.stringify(open)
        const sensitiveJson = sensitive ? JSON.stringify(sensitive) : null
        const why = unstorable(openJson, reuse) ?? (sensitiveJson ? unstorable(sensitiveJson) : null)
        if (why) {
          reject(`record ${ev.ord}`, why, row.keyText)
          continue
        }
        const checksum = ev.canonical !== undefined ? checksumOfCanonical(run.checksumKey, ev.canonical) : contentChecksum(run.checksumKey, ev.record)
        rows.newest.set(row.keyText, checksum)
        const values = [String(ev.ord), row.keyText, JSON.stringify(row.key), openJson, sealed(ev.ord, sensitiveJson), checksum, ...EXTRACTED_COLUMNS.map((col) => row.columns[col])]
        batch += values.map(copyField).join('\t') + '\n'
        out.records++
        onRecord(openJson.length)
        // Read ahead in slices, so the event loop keeps feeding the COPY and the queries of the file
        // PostgreSQL is writing meanwhile (one thread here, one core for PostgreSQL).
        if (yieldEvery && out.records % yieldEvery === 0) await new Promise<void>((resolve) => setImmediate(resolve))
        if (batch.length >= 1 << 20) {
          yield batch
          batch = ''
        }
      }
    }
    if (batch) yield batch
  }
  rows.chunks = lines(readInput(file, run.endpointHint))
  return rows
}

/**
 * Reads a (small) file whole into COPY text ahead of its transaction; null for files to stream.
 * `yieldEvery`: on the main thread, hand the event loop back every so many records.
 */
export async function prepareFile(run: PrepareRun, file: InputFile, onRecord: (bytes: number) => void, opts: { yieldEvery?: number } = {}): Promise<FileRows | null> {
  if (!preparable(file)) return null
  const rows = fileRows(run, file, onRecord, opts.yieldEvery ?? 50, true)
  const chunks: (string | Buffer)[] = []
  try {
    for await (const chunk of rows.chunks) chunks.push(chunk)
  } catch (e) {
    if (!(e instanceof FileRejected)) throw e
  }
  rows.chunks = chunks
  return rows
}

/**
 * Loads one input file inside the caller's transaction: its rows are copied into a temporary table,
 * their keys and checksums recorded in console.import_keys, and the newest copy of each key in the
 * file written to the endpoint table. Files are loaded newest first, so a key an earlier file of
 * this run held came from a newer file and is left as it is; a row that was there before the run
 * is replaced when its content differs. `previous`: the file before this one in the load, which must
 * have committed before this one writes. A file-level rejection (bad checksum, truncated, not JSON)
 * returns status 'rejected' after aborting the COPY, and the caller's ROLLBACK discards its rows.
 */
export async function loadFile(
  c: pg.PoolClient,
  run: LoadRun,
  file: InputFile,
  loadOrder: number,
  onRecord: (bytes: number) => void,
  opts: { prepared?: FileRows | null; previous?: Promise<void> } = {}
): Promise<LoadedFile> {
  const rows = opts.prepared ?? fileRows(run, file, onRecord)
  const { out, newest } = rows
  const rejected = (message?: string): LoadedFile => ({
    ...out, status: 'rejected', records: 0,
    rejects: [{ file: file.name, position: rows.fileReject?.position ?? 'file', key: null, reason: rows.fileReject?.reason ?? message ?? 'rejected' }]
  })
  if (rows.fileReject) return rejected()
  await c.query(FILE_ROW_TABLE)
  try {
    await pipeline(Readable.from(rows.chunks), c.query(copyFrom(`COPY import_file_rows (${FILE_ROW_COLUMNS.join(', ')}) FROM STDIN`)))
  } catch (e) {
    if (!(e instanceof FileRejected) && !rows.fileReject) throw e
    return rejected((e as Error).message)
  }
  if (out.records === 0) {
    if (out.rejects.length === 0) out.status = 'skipped'
    return out
  }
  const endpoint = out.endpoint!
  await opts.previous // the file before this one (newer) commits first: its keys win
  const written = await writeNewest(c, run, endpoint, loadOrder, newest.size < out.records, rows.sensitive)
  out.inserted = written.inserted
  out.updated = written.updated
  out.unchanged = newest.size - written.inserted - written.updated
  out.digest = createHash('sha256').update([...newest].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}\t${v}\n`).join('')).digest('hex')
  return out
}

/**
 * In one statement: the file's keys into console.import_keys, and the last copy of each key in the
 * file into the endpoint table (sensitive fields encrypted on the way).
 */
async function writeNewest(
  c: pg.PoolClient, run: LoadRun, endpoint: Endpoint, loadOrder: number, duplicates: boolean, sensitive: FileRows['sensitive']
): Promise<{ inserted: number; updated: number }> {
  const def = ENDPOINT_DEFS[endpoint]
  const keyCols = endpoint === 'udi' ? ['record_key', 'key_source'] : def.keyColumns
  const extracted = EXTRACTED_COLUMNS.filter((x) => !keyCols.includes(x))
  const target = [...keyCols, 'record', 'sensitive', 'checksum', 'source', ...extracted]
  const select = [
    ...keyCols.map((k) => `key ->> '${k}'`), 'record',
    `CASE WHEN s.plain IS NOT NULL THEN pgp_sym_encrypt(s.plain, $2, '${PGP_OPTIONS}') WHEN f.sensitive IS NOT NULL THEN pgp_sym_encrypt(${stagingOpenSql('f.sensitive', '$6')}, $2, '${PGP_OPTIONS}') END`,
    'checksum', '$1', ...extracted
  ]
  const updates = target.filter((x) => !def.keyColumns.includes(x)).map((x) => `${x} = EXCLUDED.${x}`)
  // A table empty at the start holds only this run's rows, all from newer files: a conflict keeps
  // the row. Otherwise keys an earlier file of this run held are left out, and the rest replace
  // rows whose content differs.
  const fresh = run.fresh.has(endpoint)
  const r = await c.query<{ inserted: string; written: string }>(
    `WITH keys AS (
       INSERT INTO console.import_keys (run_id, endpoint, load_order, ord, key_text, key, checksum) SELECT $3, $4, $5, ord, key_text, key, checksum FROM import_file_rows),
     written AS (
       INSERT INTO openfda.${def.table} AS t (${target.join(', ')})
       SELECT ${duplicates ? 'DISTINCT ON (f.key_text)' : ''} ${select.join(', ')} FROM import_file_rows f LEFT JOIN unnest($7::int[], $8::text[]) AS s (ord, plain) ON s.ord = f.ord
       ${fresh ? '' : `WHERE NOT EXISTS (SELECT 1 FROM console.import_keys k WHERE k.run_id = $3 AND k.endpoint = $4 AND k.key_text = f.key_text AND k.load_order < $5)`}
       ${duplicates ? 'ORDER BY f.key_text, f.ord DESC' : '' /* sorting wide rows only when a key repeats in the file */}
       ON CONFLICT (${def.keyColumns.join(', ')}) ${fresh ? 'DO NOTHING' : `DO UPDATE SET ${updates.join(', ')} WHERE t.checksum <> EXCLUDED.checksum`}
       RETURNING (xmax = 0) AS inserted)
     SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) AS written FROM written`,
    [`import:${run.id}`, run.checksumKey, run.id, endpoint, loadOrder, stagingKey(run.checksumKey), sensitive?.ords ?? [], sensitive?.plains ?? []]
  )
  const inserted = Number(r.rows[0].inserted)
  return { inserted, updated: Number(r.rows[0].written) - inserted }
}
