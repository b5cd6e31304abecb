import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { copyField } from '../db/bulk-load'
import { checksumOfCanonical, contentChecksum } from '../db/checksum'
import { EXTRACTED_COLUMNS, KeyError, toRow, type Endpoint } from '../openfda/endpoints'
import { sealForStaging, splitSensitive, stagingKey } from '../openfda/sensitive'
import { readInput, type ReadEvent } from './read-file'
import type { InputFile } from './sources'

export interface Reject {
  file: string
  position: string
  key: string | null
  reason: string
}

export interface StagedFile {
  status: 'staged' | 'rejected' | 'skipped'
  endpoint: Endpoint | null
  cachedAt: number | null
  records: number
  rejects: Reject[]
  note: string | null
}

const STAGING_COLUMNS = ['run_id', 'endpoint', 'file_no', 'ord', 'cached_at', 'key_text', 'key', 'record', 'sensitive', 'checksum', ...EXTRACTED_COLUMNS]

// JSON.stringify writes NUL and lone surrogates as escapes; PostgreSQL's jsonb refuses both.
const UNSTORABLE = /(?<!\\)\\u(0000|d[89a-f][0-9a-f]{2})/i

/** Why a record cannot be stored as it is, or null. Such records are rejected, never altered. */
export function unstorable(json: string): string | null {
  const m = UNSTORABLE.exec(json)
  if (!m) return null
  return m[1] === '0000'
    ? 'contains a NUL character (\\u0000), which PostgreSQL cannot store in jsonb'
    : `contains an unpaired UTF-16 surrogate (\\u${m[1]}), which is not valid Unicode`
}

class FileRejected extends Error {}

/**
 * Streams one input file into the staging table inside the caller's transaction. A file-level
 * rejection (bad checksum, truncated, not JSON) throws FileRejected after aborting the COPY, so the
 * caller's ROLLBACK discards every row of it.
 */
export async function stageFile(
  c: pg.PoolClient,
  run: { id: string; checksumKey: string; endpointHint: Endpoint | null },
  file: InputFile,
  fileNo: number,
  onRecord: (bytes: number) => void
): Promise<StagedFile> {
  const out: StagedFile = { status: 'staged', endpoint: null, cachedAt: null, records: 0, rejects: [], note: null }
  const sealKey = stagingKey(run.checksumKey)
  let fileReject: { position: string; reason: string } | null = null
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
        fileReject = ev
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
        const openJson = JSON.stringify(open)
        const sensitiveJson = sensitive ? JSON.stringify(sensitive) : null
        const why = unstorable(openJson) ?? (sensitiveJson ? unstorable(sensitiveJson) : null)
        if (why) {
          reject(`record ${ev.ord}`, why, row.keyText)
          continue
        }
        const values = [
          run.id, ev.endpoint, String(fileNo), String(ev.ord), String(out.cachedAt ?? 0), row.keyText, JSON.stringify(row.key), openJson,
          sensitiveJson === null ? null : sealForStaging(sealKey, sensitiveJson),
          ev.canonical !== undefined ? checksumOfCanonical(run.checksumKey, ev.canonical) : contentChecksum(run.checksumKey, ev.record),
          ...EXTRACTED_COLUMNS.map((col) => row.columns[col])
        ]
        const line = values.map(copyField).join('\t') + '\n'
        batch += line
        out.records++
        onRecord(openJson.length)
        if (batch.length >= 1 << 20) {
          yield batch
          batch = ''
        }
      }
    }
    if (batch) yield batch
  }

  try {
    await pipeline(Readable.from(lines(readInput(file, run.endpointHint))), c.query(copyFrom(`COPY console.import_staging (${STAGING_COLUMNS.join(', ')}) FROM STDIN`)))
  } catch (e) {
    if (!(e instanceof FileRejected) && !fileReject) throw e
    const fr = fileReject as { position: string; reason: string } | null
    return { status: 'rejected', endpoint: out.endpoint, cachedAt: out.cachedAt, records: 0, rejects: [{ file: file.name, position: fr?.position ?? 'file', key: null, reason: fr?.reason ?? (e as Error).message }], note: null }
  }
  if (out.records === 0 && out.rejects.length === 0) out.status = 'skipped'
  return out
}
