import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pyCanonical } from '../importer/python-json'

type Rec = Record<string, unknown>

/** The earlier tool cached one API page (at most 1,000 records) per file. */
export const RECORDS_PER_CACHE_FILE = 1000

/**
 * Writes pages of records as the earlier tool's cache files: hex-named JSON files holding an
 * integrity envelope (SHA-256 of Python's canonical JSON of `data`, cache time) around an API page.
 * The names say nothing about the endpoint, as in the real cache.
 */
export class CacheWriter {
  files = 0
  bytes = 0
  constructor(readonly dir: string, private readonly firstFileNo = 0) {}

  writePage(page: Rec[], total: number): void {
    const data = { meta: { results: { skip: 0, limit: page.length, total } }, results: page }
    const no = this.firstFileNo + this.files
    const text = JSON.stringify({
      _integrity_version: '1.0', _checksum_algorithm: 'sha256', _checksum: createHash('sha256').update(pyCanonical(data)).digest('hex'), _cached_at: 1764000000 + no, data
    })
    writeFileSync(join(this.dir, `${no.toString(16).padStart(16, '0')}.json`), text)
    this.files++
    this.bytes += text.length
  }
}
