import { describe, expect, it } from 'vitest'
import { concurrencyBench, kNumberOf, pgbenchScript } from '../../src/main/bench/modules/concurrency'
import { generateRecords } from '../../src/main/bench/generate-records'
import { formatRatio, formatRun, formatRunList, formatValue, table } from '../../src/main/bench/suite/format-table'
import { parsePgbenchLog, parsePgbenchReport } from '../../src/main/bench/suite/pgbench'
import { BENCHMARKS } from '../../src/main/bench/suite/registry'
import { parseSizes, selectBenchmarks } from '../../src/main/bench/suite/run-suite'
import { historyPoints, ratioBars, scalingSeries } from '../../src/renderer/src/screens/benchmarks/chart-data'
import { sampleRun } from '../support/bench-run'

describe('benchmark table formatter', () => {
  it('aligns text left and numbers right, column by column', () => {
    const t = table(['NAME', 'RATIO'], [['key lookup', '×1,234'], ['import', '×0.39']]).split('\n')
    expect(t).toEqual(['NAME         RATIO', 'key lookup  ×1,234', 'import       ×0.39'])
  })

  it('formats ratios and values with a precision that fits their size', () => {
    expect(formatRatio(3982.26)).toBe('×3,982')
    expect(formatRatio(0.3898)).toBe('×0.39')
    expect(formatValue(0.314, 'ms')).toBe('0.31 ms')
    expect(formatValue(12.34, 'ms')).toBe('12.3 ms')
    expect(formatValue(6839.2, 'rows/s')).toBe('6,839 rows/s')
    expect(formatValue(0, 'errors')).toBe('0 errors')
  })

  it('prints a run: machine and revision, each comparison with its ratio, unavailable and failed benchmarks, targets', () => {
    const text = formatRun(sampleRun())
    expect(text).toContain('Benchmark run 20261129T100000Z-abcdef (quick)')
    expect(text).toContain('revision 0123456789 (issue-9, uncommitted changes) · AMD EPYC · 2 cores · 23.5 GiB')
    expect(text).toContain('PostgreSQL 15.18 · PgBouncer 1.18.0')
    expect(text).toMatch(/import a JSON cache\s+20,000\s+2,666 records\/s\s+6,839 rows\/s\s+×0\.39\s+yes \(20000 records\)/)
    expect(text).toMatch(/key lookup 510\(k\) by k_number\s+50,000\s+0\.31 ms\s+1,235 ms\s+×3,982\s+yes \(1 record\)/)
    // a comparison whose answers differ shows no ratio
    expect(text).toMatch(/count 510\(k\) by product_code \(top 100\)\s+50,000\s+4\.50 ms\s+1,300 ms\s+—\s+NO \(100 terms\)/)
    expect(text).toMatch(/node-postgres\s+1\s+50,000\s+20\s+1,500\s+0\.31\s+0\.52\s+0\.90\s+0/)
    expect(text).toContain('switch — Blue-green switch\n  not available in this build: comes with issue 6')
    expect(text).toContain('concurrency — Concurrency (2.0 s): FAILED — pgbench exited with 1')
    expect(text).toMatch(/NOT MET\s+import\s+import rate relative to psql \\copy\s+×0\.39\s+≥ 0\.8/)
    expect(text).toMatch(/n\/a\s+queries\s+selective queries vs scanning the cache\s+×3,982/)
  })

  it('lists runs one per line, or says how to make the first', () => {
    expect(formatRunList([])).toMatch(/no benchmark runs stored yet/)
    const lines = formatRunList([sampleRun()]).split('\n')
    expect(lines[1]).toMatch(/^20261129T100000Z-abcdef\s+2026-11-29T10:00:00Z\s+quick\s+0123456789\s+import:ok queries:ok switch:n\/a concurrency:failed$/)
  })
})

describe('benchmark suite plumbing', () => {
  it('registers each benchmark once; the ones from other areas say they are not in this build', () => {
    const names = BENCHMARKS.map((b) => b.name)
    expect(new Set(names).size).toBe(names.length)
    expect(names).toEqual(expect.arrayContaining(['import', 'queries', 'concurrency', 'api', 'switch', 'backup']))
    for (const b of BENCHMARKS.filter((x) => !x.available)) expect(b.reason).toMatch(/^not available in this build/)
    expect(selectBenchmarks(['concurrency', 'import']).map((b) => b.name)).toEqual(['import', 'concurrency']) // suite order
    expect(() => selectBenchmarks(['import', 'nope'])).toThrow(/unknown benchmark "nope": choose from import, queries/)
    expect(concurrencyBench.available).toBe(true)
  })

  it('parses sizes and says what is wrong with bad ones', () => {
    expect(parseSizes('100000, 10000,1_000_000')).toEqual([10_000, 100_000, 1_000_000])
    expect(() => parseSizes('10k')).toThrow(/--sizes "10k"/)
    expect(() => parseSizes('10')).toThrow(/from 1000/)
  })

  it("pgbench draws the same 510(k) keys the generator makes", () => {
    for (const i of [0, 1, 2, 999, 123_456, 999_999]) expect(kNumberOf(i)).toBe(generateRecords('510k', 1, { seed: 1, startIndex: i }).next().value!.k_number)
    expect(pgbenchScript(2500)).toContain('\\set i random(0, 2499)')
  })

  it("reads pgbench's report and per-transaction log", () => {
    const report = `transaction type: /tmp/x.sql\nnumber of clients: 200\nnumber of transactions actually processed: 15230\nnumber of failed transactions: 0 (0.000%)\nlatency average = 3.1 ms\ntps = 5076.3 (without initial connection time)\n`
    expect(parsePgbenchReport(report)).toEqual({ processed: 15230, failed: 0, abortedClients: 0, tps: 5076.3 })
    const aborted = report.replace('failed transactions: 0', 'failed transactions: 2') + 'pgbench: error: client 7 aborted in command 2\npgbench: error: client 9 aborted in command 2\n'
    expect(parsePgbenchReport(aborted)).toMatchObject({ failed: 2, abortedClients: 2 })
    expect(parsePgbenchLog('0 0 1534 0 1764000000 123\n1 0 20500 0 1764000000 456\n\n')).toEqual([1.534, 20.5])
    // the warm-up (transactions ending in the first second) is left out
    expect(parsePgbenchLog('0 0 9000 0 1764000000 0\n0 1 1000 0 1764000000 999999\n0 2 2000 0 1764000001 1\n', 1)).toEqual([2])
  })
})

describe('Benchmarks screen data', () => {
  it('draws verified comparisons only, at their largest size', () => {
    const bars = ratioBars(sampleRun())
    expect(bars.map((b) => [b.name, b.label])).toEqual([['import a JSON cache', '×0.39'], ['key lookup 510(k) by k_number', '×3,982']])
  })

  it('puts console and cache times side by side by size, and one history point per run with its revision', () => {
    const { rows, groups } = scalingSeries(sampleRun())
    expect(groups).toEqual(['key-lookup', 'count'])
    expect(rows).toEqual([{ size: 50_000, 'key-lookup': 0.31, 'key-lookup cache': 1234.5, count: 4.5, 'count cache': 1300 }])
    const pts = historyPoints([sampleRun({ id: '20261129T100000Z-bbbbbb', startedAt: '2026-11-29T10:00:00.000Z' }), sampleRun({ id: '20261128T100000Z-aaaaaa', startedAt: '2026-11-28T10:00:00.000Z', revision: { commit: null, branch: null, dirty: null, version: '0.1.0' } })])
    expect(pts.map((p) => [p.id, p.revision, p.speedup, p.importRatio])).toEqual([
      ['20261128T100000Z-aaaaaa', 'version 0.1.0', 3982.26, 0.3898],
      ['20261129T100000Z-bbbbbb', '0123456789 (uncommitted changes)', 3982.26, 0.3898]
    ])
  })
})

describe('query plans', () => {
  it('names the indexes and sequential scans of an EXPLAIN (FORMAT JSON) plan', async () => {
    const { planAccess } = await import('../../src/main/bench/modules/queries')
    const plan = [{ Plan: { 'Node Type': 'Bitmap Heap Scan', 'Relation Name': 'device_510k', Plans: [{ 'Node Type': 'Bitmap Index Scan', 'Index Name': 'device_510k_device_name_trgm' }] } }]
    expect(planAccess(plan)).toEqual(['Bitmap Index Scan on device_510k_device_name_trgm'])
    expect(planAccess([{ Plan: { 'Node Type': 'Aggregate', Plans: [{ 'Node Type': 'Seq Scan', 'Relation Name': 'device_510k' }] } }])).toEqual(['Seq Scan on device_510k'])
  })
})

describe('table alignment', () => {
  it('keeps ids and dates that start with digits left-aligned; numbers with units and dashes right-aligned', () => {
    const t = table(['ID', 'RATIO', 'TIME'], [['20261129T140926Z-8bef3c', '×1,234', '0.31 ms'], ['20261129T1-a', '—', '12,345 records/s']]).split('\n')
    expect(t).toEqual([
      'ID                        RATIO              TIME',
      '20261129T140926Z-8bef3c  ×1,234           0.31 ms',
      '20261129T1-a                  —  12,345 records/s'
    ])
  })
})
