import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { copyField } from '../db/bulk-load'
import { contentChecksum } from '../db/checksum'
import { unstorable } from '../importer/load-file'
import { EXTRACTED_COLUMNS, KeyError, toRow, type Endpoint } from '../openfda/endpoints'
import { splitSensitive } from '../openfda/sensitive'

type Rec = Record<string, unknown>

const COLUMNS = ['run_id', 'endpoint', 'unit_no', 'ord', 'key_text', 'key', 'record', 'sensitive', 'checksum', ...EXTRACTED_COLUMNS]

/**
 * COPYs one page's or file's records into console.refresh_staging inside the caller's transaction
 * (which also writes the unit's checkpoint row). Records without their natural key, or that
 * PostgreSQL cannot store, are counted as rejected, never altered.
 */
export async function stageRecords(
  c: pg.ClientBase,
  run: { id: string; checksumKey: string },
  endpoint: Endpoint,
  unitNo: number,
  records: Iterable<Rec> | AsyncIterable<Rec>,
  onRecord?: () => void
): Promise<{ staged: number; rejected: number; reasons: string[] }> {
  const out = { staged: 0, rejected: 0, reasons: [] as string[] }
  async function* lines(): AsyncGenerator<string> {
    let batch = ''
    let ord = 0
    for await (const record of records) {
      ord++
      let row
      try {
        row = toRow(endpoint, record)
      } catch (e) {
        if (!(e instanceof KeyError)) throw e
        out.rejected++
        if (out.reasons.length < 20) out.reasons.push(`record ${ord}: ${e.message}`)
        continue
      }
      const { open, sensitive } = splitSensitive(endpoint, record)
      const openJson = JSON.stringify(open)
      const sensitiveJson = sensitive ? JSON.stringify(sensitive) : null
      const why = unstorable(openJson) ?? (sensitiveJson ? unstorable(sensitiveJson) : null)
      if (why) {
        out.rejected++
        if (out.reasons.length < 20) out.reasons.push(`${row.keyText}: ${why}`)
        continue
      }
      const values = [
        run.id, endpoint, String(unitNo), String(ord), row.keyText, JSON.stringify(row.key), openJson, sensitiveJson,
        contentChecksum(run.checksumKey, record), ...EXTRACTED_COLUMNS.map((col) => row.columns[col])
      ]
      batch += values.map(copyField).join('\t') + '\n'
      out.staged++
      onRecord?.()
      if (batch.length >= 1 << 20) {
        yield batch
        batch = ''
      }
    }
    if (batch) yield batch
  }
  await pipeline(Readable.from(lines()), c.query(copyFrom(`COPY console.refresh_staging (${COLUMNS.join(', ')}) FROM STDIN`)))
  return out
}
