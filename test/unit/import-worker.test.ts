import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { prepareFile, type FileRows } from '../../src/main/importer/load-file'
import { PreparePool } from '../../src/main/importer/prepare-pool'
import { scanSource } from '../../src/main/importer/sources'

// The worker threads run the built bundle (out/main/import-worker.js), as the CLI and the app do.
const WORKER = join(__dirname, '../../out/main/import-worker.js')
const SAMPLE = join(__dirname, '../../resources/sample-cache')
const run = { checksumKey: 'a-test-checksum-key-of-32-bytes!', endpointHint: null }
const SENSITIVE_COLUMN = 4 // ord, key_text, key, record, sensitive, …

/** COPY lines, split into columns. */
function rowsOf(prepared: FileRows): string[][] {
  const text = (prepared.chunks as (string | Buffer)[]).map(String).join('')
  return text.split('\n').filter(Boolean).map((line) => line.split('\t'))
}

describe('the import worker threads', () => {
  let pool: PreparePool
  let dir: string
  beforeAll(() => {
    if (!existsSync(WORKER)) throw new Error('run `npm run build` first: the worker threads run the built out/main/import-worker.js')
    process.env.FDA_IMPORT_WORKER_SCRIPT = WORKER
    process.env.FDA_IMPORT_WORKERS = '2'
    pool = PreparePool.open()!
    dir = mkdtempSync(join(tmpdir(), 'fda-worker-'))
  })
  afterAll(async () => {
    await pool?.close()
    delete process.env.FDA_IMPORT_WORKER_SCRIPT
    delete process.env.FDA_IMPORT_WORKERS
    rmSync(dir, { recursive: true, force: true })
  })

  it('prepare every sample cache file exactly as the main thread does', async () => {
    expect(pool.threads).toBe(2)
    const files = scanSource(SAMPLE, null).filter((f) => f.kind === 'cache')
    expect(files.length).toBeGreaterThan(5)
    let sensitive = 0
    for (const f of files) {
      const [here, there] = await Promise.all([prepareFile(run, f, () => {}), pool.prepare(run, f)])
      expect(there!.out, f.name).toEqual(here!.out)
      expect(there!.newest, f.name).toEqual(here!.newest)
      expect(there!.fileReject).toEqual(here!.fileReject)
      const a = rowsOf(here!)
      expect(rowsOf(there!), f.name).toEqual(a)
      expect(there!.sensitive, f.name).toEqual(here!.sensitive)
      // contact fields travel beside the rows (as bind parameters), never in them
      expect(a.every((cols) => cols[SENSITIVE_COLUMN] === '\\N')).toBe(true)
      sensitive += here!.sensitive!.plains.length
    }
    expect(sensitive).toBeGreaterThan(0) // the comparison covered contact fields too
  })

  it('report a damaged file the same way, with no rows', async () => {
    const f = scanSource(SAMPLE, null).find((x) => x.kind === 'cache')!
    const copy = join(dir, f.name)
    copyFileSync(f.path, copy)
    const text = readFileSync(copy, 'utf8')
    writeFileSync(copy, text.replace(/"_checksum"\s*:\s*"([0-9a-f])/, (_m, c: string) => `"_checksum": "${c === '0' ? '1' : '0'}`))
    const damaged = scanSource(dir, null)[0]
    const [here, there] = await Promise.all([prepareFile(run, damaged, () => {}), pool.prepare(run, damaged)])
    expect(there!.fileReject?.reason).toMatch(/envelope checksum mismatch/)
    expect(there!.fileReject).toEqual(here!.fileReject)
    expect(rowsOf(there!)).toEqual([])
  })
})
