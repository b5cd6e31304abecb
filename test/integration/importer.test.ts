import { execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateRecords, recordKey } from '../../src/main/bench/generate-records'
import type { MigrationSummary } from '../../src/shared/schemas'
import { envelope, pythonCacheFile, writeRaw } from '../support/cache-fixtures'
import { testStack } from '../support/test-stack'

const s = testStack(55620)
const PASSWORD = 'correct horse battery staple'
const dir = mkdtempSync(join(tmpdir(), 'fda-import-'))
const CLI = join(__dirname, '../../bin/fda-offline.mjs')
const samples = (e: string) => JSON.parse(readFileSync(join(__dirname, '../../resources/samples', `device-${e}.sample.json`), 'utf8')).results as Record<string, unknown>[]

async function migrate(source: string, extra: { endpoint?: string; resume?: boolean } = {}): Promise<MigrationSummary> {
  const job = await s.client.migration.start({ source, endpoint: (extra.endpoint ?? null) as null, resume: Boolean(extra.resume) })
  const done = await s.services.jobs.wait(job.id)
  const r = await s.client.migration.result({ jobId: job.id })
  if (!r) throw new Error(`migration did not finish: ${done.error}`)
  return r
}
const count = async (table: string) => Number((await s.services.db.app().query(`SELECT count(*) AS n FROM openfda.${table}`)).rows[0].n)

beforeAll(async () => {
  if (!existsSync(join(__dirname, '../../out/main/cli.js'))) throw new Error('run `npm run build` first: the resume test drives the built CLI')
  const job = await s.client.stack.up({ green: false })
  const done = await s.services.jobs.wait(job.id)
  if (done.state !== 'succeeded') throw new Error(`stack up failed: ${done.error}`)
  await s.client.auth.setupFirstAdmin({ username: 'alice', printedName: 'Alice Admin', password: PASSWORD })
})
afterAll(async () => {
  await s.teardown()
  rmSync(dir, { recursive: true, force: true })
})

describe('the earlier tool cache, with every kind of bad input', () => {
  const cache = join(dir, 'cache')
  const [k510] = samples('510k')
  beforeAll(() => {
    const k = (n: number, extra: object = {}) => ({ ...k510, k_number: `K${String(n).padStart(6, '0')}`, ...extra })
    pythonCacheFile(cache, '0000000000000001.json', envelope([k(1), k(2), k(3, { device_name: 'OLD NAME' })]), 1700000000.25)
    // the same key K000003 cached later with new content: the newer copy must win
    pythonCacheFile(cache, '0000000000000002.json', envelope([k(3, { device_name: 'NEW NAME' })]), 1700000100.5)
    pythonCacheFile(cache, '0000000000000003.json', envelope(samples('event')), 1700000000, { legacy: true })
    pythonCacheFile(cache, '0000000000000004.json', { meta: {}, results: [] }, 1700000000) // a cached 404
    writeRaw(cache, 'all_product_codes.json', JSON.stringify({ codes: ['NIQ'], total: 1 }))
    // checksum mismatch: the content changed after the checksum was taken
    const tampered = pythonCacheFile(cache, '0000000000000005.json', envelope([k(50)]), 1700000000)
    writeRaw(cache, '0000000000000005.json', readFileSync(tampered, 'utf8').replace('K000050', 'K000051'))
    const full = readFileSync(pythonCacheFile(cache, '0000000000000006.json', envelope([k(60), k(61)]), 1700000000), 'utf8')
    writeRaw(cache, '0000000000000006.json', full.slice(0, Math.floor(full.length / 2))) // truncated
    writeRaw(cache, '0000000000000007.json', 'HTTP/1.1 502 Bad Gateway\n<html>not json</html>')
    const bom = readFileSync(pythonCacheFile(cache, '0000000000000008.json', envelope([k(80)]), 1700000000), 'utf8')
    writeRaw(cache, '0000000000000008.json', '\uFEFF' + bom) // byte-order mark: accepted
    pythonCacheFile(cache, '0000000000000009.json', { meta: {}, results: { not: 'an array' } }, 1700000000)
    pythonCacheFile(cache, '000000000000000a.json', envelope([k(100, { device_name: 'NUL \u0000 inside' }), k(101, { device_name: 'lone \ud800 surrogate' }), { ...k510, k_number: undefined, device_name: 'no key' }, k(102)]), 1700000000)
    pythonCacheFile(cache, '000000000000000b.json', envelope([{ foo: 'bar' }]), 1700000000)
  })

  it('loads what is sound, rejects the rest with file, position and reason, and verifies', async () => {
    const r = await migrate(cache)
    expect(r.verified).toBe(true)
    expect(r.files).toEqual({ total: 12, staged: 5, rejected: 5, skipped: 2 })
    const rejects = (await s.client.migration.rejects({ runId: r.runId })).rows
    const reasonOf = (file: string) => rejects.filter((x) => x.file === file).map((x) => `${x.position}: ${x.reason}`)
    expect(reasonOf('0000000000000005.json')[0]).toMatch(/^file: envelope checksum mismatch/)
    expect(reasonOf('0000000000000006.json')[0]).toMatch(/not valid JSON .*truncated/)
    expect(reasonOf('0000000000000007.json')[0]).toMatch(/not a JSON file/)
    expect(reasonOf('0000000000000009.json')[0]).toMatch(/"results" is not an array/)
    expect(reasonOf('000000000000000b.json')[0]).toMatch(/cannot tell which endpoint/)
    expect(reasonOf('000000000000000a.json')).toEqual([
      'record 0: contains a NUL character (\\u0000), which PostgreSQL cannot store in jsonb',
      'record 1: contains an unpaired UTF-16 surrogate (\\ud800), which is not valid Unicode',
      'record 2: no natural key: the record has no k_number'
    ])
    expect(r.records.rejected).toBe(3) // record-level; the five whole files are under files.rejected
    expect(r.records).toMatchObject({ inserted: 6, updated: 0, unchanged: 0, superseded: 1 }) // K3's older copy
    // 510(k): K1, K2, K3 (twice: the newer wins), K80 (BOM), K102 → 5 distinct keys
    expect(r.verification.find((v) => v.endpoint === '510k')).toMatchObject({ expected: 5, present: 5, checksumMismatches: 0, ok: true })
    expect((await s.services.records.get('510k', 'K000003'))!.record.device_name).toBe('NEW NAME')
    expect(await count('device_510k')).toBe(5)
    expect(await count('device_event')).toBe(1)
    const csv = readFileSync(r.rejectReport, 'utf8')
    expect(csv.split('\n')[0]).toBe('file,position,key,reason')
    expect(csv).toContain('0000000000000005.json,file,,"envelope checksum mismatch (file says')
  })

  it('importing the same cache again changes nothing; the source can be backed up first', async () => {
    const job = await s.client.migration.start({ source: cache, endpoint: null, resume: false, backup: true })
    await s.services.jobs.wait(job.id)
    const r = (await s.client.migration.result({ jobId: job.id }))!
    expect(r.backup).not.toBeNull()
    expect(createHash('sha256').update(readFileSync(r.backup!.file)).digest('hex')).toBe(r.backup!.sha256)
    const listing = execFileSync('tar', ['-tzf', r.backup!.file]).toString()
    expect(listing).toContain('cache/0000000000000001.json')
    expect(r.records.inserted).toBe(0)
    expect(r.records.updated).toBe(0)
    expect(r.records.unchanged).toBe(6)
    expect(r.records.superseded).toBe(1)
    expect(r.verified).toBe(true)
  })
})

describe('openFDA bulk downloads and NDJSON', () => {
  it('reads {meta, results} JSON, the zipped form, and NDJSON with the given endpoint', async () => {
    const bulk = join(dir, 'bulk')
    writeRaw(bulk, 'device-recall-0001-of-0001.json', JSON.stringify(envelope(samples('recall'))))
    const zipSrc = writeRaw(join(dir, 'zipsrc'), 'device-enforcement-0001-of-0001.json', JSON.stringify(envelope(samples('enforcement'))))
    execFileSync('python3', ['-c', `import zipfile; z = zipfile.ZipFile(${JSON.stringify(join(bulk, 'device-enforcement-0001-of-0001.json.zip'))}, 'w', zipfile.ZIP_DEFLATED); z.write(${JSON.stringify(zipSrc)}, 'device-enforcement-0001-of-0001.json'); z.close()`])
    const r = await migrate(bulk)
    expect(r.verified).toBe(true)
    expect(r.verification.map((v) => [v.endpoint, v.expected])).toEqual([['recall', 3], ['enforcement', 9]])

    const pmas = samples('pma')
    const ndjson = writeRaw(join(dir, 'nd'), 'pma-export.ndjson', [...pmas, { ...pmas[0], supplement_number: 'S777' }].map((x) => JSON.stringify(x)).join('\n') + '\n{broken\n')
    const nd = await migrate(ndjson, { endpoint: 'pma' })
    expect(nd.verification).toEqual([expect.objectContaining({ endpoint: 'pma', expected: 3, present: 3, ok: true })])
    expect(nd.records.rejected).toBe(1)
    const noEndpoint = await migrate(ndjson)
    expect(noEndpoint.files.rejected).toBe(1)
  })
})

describe('a killed import resumes to the same final state', () => {
  it('kill -9 in the middle, then --resume: exact counts, no duplicates, verified', async () => {
    const big = join(dir, 'big')
    const FILES = 24
    const PER = 400
    let n = 0
    for (let f = 0; f < FILES; f++) {
      const records = [...generateRecords(f % 2 ? 'event' : '510k', PER, { seed: 7, startIndex: Math.floor(f / 2) * PER })]
      n += records.length
      pythonCacheFile(big, `${(0x1000 + f).toString(16).padStart(16, '0')}.json`, envelope(records), 1700000000 + f)
    }
    expect(n).toBe(FILES * PER)
    const before = { k: await count('device_510k'), e: await count('device_event') }
    const eventIndexes = async () => Number((await s.services.db.app().query("SELECT count(*) AS n FROM pg_indexes WHERE schemaname = 'openfda' AND tablename = 'device_event'")).rows[0].n)
    const indexesBefore = await eventIndexes()
    const cli = ['--home', s.home, '--user', 'alice', '--password-stdin', 'migrate', '--source', big]
    const child = spawn(process.execPath, [CLI, ...cli], { stdio: ['pipe', 'ignore', 'ignore'] })
    child.stdin.end(PASSWORD)
    // Wait until some files are staged, then kill without warning.
    for (let i = 0; i < 600; i++) {
      const staged = await s.services.db.app().query("SELECT count(*) AS n FROM console.import_files f JOIN console.import_runs r ON r.id = f.run_id WHERE r.source = $1 AND f.status = 'staged'", [big])
      if (Number(staged.rows[0].n) >= 6) break
      await new Promise((r) => setTimeout(r, 100))
    }
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    const partial = await s.services.db.app().query("SELECT state FROM console.import_runs WHERE source = $1", [big])
    expect(partial.rows.map((r) => r.state)).toEqual(['running'])

    const out = execFileSync(process.execPath, [CLI, '--json', ...cli, '--resume'], { input: PASSWORD }).toString()
    // --json: one line per progress event, then the summary
    const summary = JSON.parse(out.slice(out.indexOf('\n{\n') + 1)) as MigrationSummary
    expect(summary.verified).toBe(true)
    expect(summary.files.staged).toBe(FILES)
    const expected510k = (FILES / 2) * PER
    expect(summary.verification.map((v) => [v.endpoint, v.expected, v.present])).toEqual([['510k', expected510k, expected510k], ['event', expected510k, expected510k]])
    // every generated key is there exactly once (primary keys), and nothing else was added
    const keys510k = [...generateRecords('510k', expected510k, { seed: 7 })].map((r) => recordKey('510k', r))
    const present = await s.services.db.app().query('SELECT count(*) AS n FROM openfda.device_510k WHERE k_number = ANY($1)', [keys510k])
    expect(Number(present.rows[0].n)).toBe(expected510k)
    const overlap = keys510k.filter((k) => /^K00000[1-3]$|^K000080$|^K000102$/.test(k)).length
    expect(await count('device_510k')).toBe(before.k + expected510k - overlap)
    expect(await count('device_event')).toBe(before.e + expected510k)
    const runs = await s.services.db.app().query('SELECT count(*) AS n FROM console.import_runs WHERE source = $1', [big])
    expect(Number(runs.rows[0].n)).toBe(1) // the resumed run is the same run
    // the secondary indexes of tables that started empty are back
    expect(await eventIndexes()).toBe(indexesBefore) // every index the migrations define (10 with sql/0021)
  })
})
