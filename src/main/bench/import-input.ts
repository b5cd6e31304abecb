import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { builtScript } from '../app/built-script'
import { copyField } from '../db/bulk-load'
import { contentChecksum } from '../db/checksum'
import { EXTRACTED_COLUMNS, ENDPOINT_DEFS, toRow, type Endpoint } from '../openfda/endpoints'
import { splitSensitive } from '../openfda/sensitive'
import { CacheWriter, RECORDS_PER_CACHE_FILE } from './cache-writer'
import { generateRecords } from './generate-records'

/** The endpoints' shares of the import bench's records. */
export const IMPORT_MIX: [Endpoint, number][] = [['510k', 0.25], ['event', 0.2], ['enforcement', 0.15], ['udi', 0.15], ['recall', 0.1], ['pma', 0.1], ['classification', 0.05]]

export interface ImportInput {
  files: number
  bytes: number
}

/** Writes N generated records as an earlier-tool cache, and the same rows as one TSV per endpoint for psql. */
export async function writeImportInput(records: number, cache: string, tsvDir: string, checksumKey: string): Promise<ImportInput> {
  const cacheWriter = new CacheWriter(cache)
  for (const [endpoint, share] of IMPORT_MIX) {
    const count = Math.round(records * share)
    const tsv = createWriteStream(join(tsvDir, `${endpoint}.tsv`))
    let page: Record<string, unknown>[] = []
    const flush = () => {
      cacheWriter.writePage(page, count)
      page = []
    }
    const keyCols = endpoint === 'udi' ? ['record_key', 'key_source'] : ENDPOINT_DEFS[endpoint].keyColumns
    for (const r of generateRecords(endpoint, count, { seed: 3 })) {
      page.push(r)
      const row = toRow(endpoint, r)
      const { open, sensitive } = splitSensitive(endpoint, r)
      const values = [...keyCols.map((k) => row.key[k]), JSON.stringify(open), sensitive ? JSON.stringify(sensitive) : null, contentChecksum(checksumKey, r), 'bench', ...EXTRACTED_COLUMNS.filter((c) => !keyCols.includes(c)).map((c) => row.columns[c])]
      if (!tsv.write(values.map(copyField).join('\t') + '\n')) await new Promise<void>((res) => tsv.once('drain', () => res()))
      if (page.length === RECORDS_PER_CACHE_FILE) flush()
    }
    if (page.length) flush()
    await new Promise<void>((res, rej) => tsv.end((e?: Error | null) => (e ? rej(e) : res())))
  }
  return { files: cacheWriter.files, bytes: cacheWriter.bytes }
}

/**
 * The same, in a child process when the build is at hand: generating a million records leaves the
 * heap (and malloc's arenas) large, and the bench measures the pipeline's memory in this process.
 * The checksum key goes through the child's environment, never its arguments.
 */
export async function writeImportInputApart(records: number, cache: string, tsvDir: string, checksumKey: string): Promise<ImportInput> {
  const cli = builtScript('cli.js')
  if (!cli) return writeImportInput(records, cache, tsvDir, checksumKey)
  const child = spawn(process.execPath, [cli, 'bench', 'import-input', '--records', String(records), '--cache', cache, '--tsv', tsvDir], {
    env: { ...process.env, FDA_BENCH_CHECKSUM_KEY: checksumKey, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d))
  child.stderr.on('data', (d: Buffer) => (err += d))
  const code = await new Promise<number | null>((res, rej) => child.on('error', rej).on('close', res))
  if (code !== 0) throw new Error(`writing the bench input failed (exit ${code}): ${err.trim().slice(-500)}`)
  return JSON.parse(out) as ImportInput
}
