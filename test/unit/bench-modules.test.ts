import { describe, expect, it } from 'vitest'
import type { BackupMeasurement } from '../../src/main/bench/backup-bench'
import { API_QUERIES, apiRows, apiTargets } from '../../src/main/bench/modules/api'
import { backupOutput } from '../../src/main/bench/modules/backup'
import { switchOutput } from '../../src/main/bench/modules/switch'
import { formatRun } from '../../src/main/bench/suite/format-table'
import { BENCHMARKS } from '../../src/main/bench/suite/registry'
import type { SwitchMeasurement } from '../../src/main/bench/switch-bench'
import { BenchResult } from '../../src/shared/schemas/bench'
import { historyPoints } from '../../src/renderer/src/screens/benchmarks/chart-data'
import { sampleRun } from '../support/bench-run'

const result = (name: string, out: Partial<BenchResult>): BenchResult =>
  BenchResult.parse({ name, title: name, status: 'ok', reason: null, seconds: 1, comparisons: [], latencies: [], targets: [], notes: [], details: {}, ...out })

describe('suite registry', () => {
  it('runs the api, backup and switch benchmarks of this build (switch last: it leaves GREEN standing)', () => {
    expect(BENCHMARKS.map((b) => b.name)).toEqual(['import', 'queries', 'concurrency', 'api', 'backup', 'switch'])
    expect(BENCHMARKS.every((b) => b.available)).toBe(true)
  })
})

describe('api module', () => {
  const key = API_QUERIES.find((q) => q.group === 'api-key-lookup')!
  const count = API_QUERIES.find((q) => q.group === 'api-count')!

  it('asks the API the question the cache scanner answers, and reads its answer in the scanner\'s form', () => {
    expect(key.path('K123456')).toBe('/device/510k.json?search=k_number:K123456')
    expect(key.kind.group).toBe('key-lookup')
    expect(key.fromBody({ results: [{ k_number: 'K2' }, { k_number: 'K1' }] })).toEqual(['K1', 'K2'])
    expect(count.path('')).toBe('/device/510k.json?count=product_code.exact&limit=100')
    expect(count.kind.group).toBe('count')
    // the API's order is kept: it is part of the answer
    expect(count.fromBody({ results: [{ term: 'LLZ', count: 9 }, { term: 'DZE', count: 4 }] })).toEqual(['LLZ:9', 'DZE:4'])
    // the scanner gives the same form: most frequent first, ties by code
    const s = count.kind.scanner('product_code')
    for (const pc of ['DZE', 'LLZ', 'LLZ', 'ABC', '']) s.visit({ product_code: pc })
    expect(s.answer()).toEqual(['LLZ:2', 'ABC:1', 'DZE:1'])
  })

  it('reports the median against the scan as a ratio only when both answers are the same', () => {
    const base = { q: key, size: 50_000, latenciesMs: [1, 2, 3, 4, 10], errors: 0, seconds: 0.02, scan: { seconds: 1.5, files: 50 }, apiAnswer: ['K1'], cacheAnswer: ['K1'] }
    const same = apiRows(base)
    expect(same.comparison).toMatchObject({ group: 'api-key-lookup', size: 50_000, ratio: 500, verified: true, answer: '1 record' })
    expect(same.comparison.console).toEqual({ name: 'local API over HTTP, uncached (median)', value: 3, unit: 'ms' })
    expect(same.comparison.baseline).toEqual({ name: 'scan of the JSON cache (50 files)', value: 1500, unit: 'ms' })
    expect(same.latency).toMatchObject({ clients: 1, queries: 5, p50: 3, p95: 10, qps: 250 })
    const differ = apiRows({ ...base, cacheAnswer: ['K1', 'K9'] })
    expect(differ.comparison).toMatchObject({ ratio: 0, verified: false })
    expect(apiRows({ ...base, q: count, apiAnswer: ['A:1', 'B:1'], cacheAnswer: ['B:1', 'A:1'] }).comparison.verified).toBe(false) // order matters for a count

    const small = apiTargets([same.comparison], 50_000)
    expect(small).toEqual([expect.objectContaining({ value: 500, met: null, note: expect.stringMatching(/measured at 50,000 records/) })])
    expect(apiTargets([{ ...same.comparison, ratio: 1200 }], 1_000_000)[0].met).toBe(true)
    expect(apiTargets([differ.comparison], 1_000_000)).toEqual([
      expect.objectContaining({ value: null, met: null }),
      expect.objectContaining({ label: 'same answer from the API and the cache', met: false })
    ])
  })
})

const switchM = (o: Partial<SwitchMeasurement> = {}): SwitchMeasurement => ({
  prepare: { bytes: 64 * 2 ** 20, dumpRestoreMs: 9000, cloneAndReplicationMs: 3000 },
  barePauseMs: [40, 50], consolePauseMs: [400, 250], ratio: 7.2, consoleSteps: { promote: [], rollback: [] },
  clients: 100, loadSeconds: 18, pgbench: 'number of failed transactions: 0 (0.000%) | tps = 900', pgbenchFailed: 0, ...o
})

describe('switch module', () => {
  it('maps pauses to comparisons (bare ÷ console), the promote target and the failed transactions', () => {
    const out = switchOutput(switchM(), 10_000)
    expect(out.comparisons!.map((c) => [c.group, c.console.value, c.baseline.value, c.ratio, c.verified, c.size])).toEqual([
      ['switch-promote', 400, 40, 0.1, true, null],
      ['switch-rollback', 250, 50, 0.2, true, null],
      ['switch-prepare', 3, 9, 3, true, null]
    ])
    expect(out.targets).toEqual([
      expect.objectContaining({ label: 'promote pause under 100 clients', value: 400, unit: 'ms', met: true }),
      expect.objectContaining({ value: 0, met: true })
    ])
    const slow = switchOutput(switchM({ consolePauseMs: [1500, NaN], pgbenchFailed: 3 }), 10_000)
    expect(slow.targets!.map((t) => t.met)).toEqual([false, false])
    expect(slow.comparisons![1]).toMatchObject({ verified: false, ratio: 0 })
    expect(() => result('switch', slow)).not.toThrow()
  })
})

const backupM = (o: Partial<BackupMeasurement> = {}): BackupMeasurement => ({
  bareBase: { seconds: 2, bytes: 100 * 2 ** 20 }, compression: [],
  wal: { seconds: 1, files: 3 }, base: { seconds: 4, withWalSeconds: 5, storedBytes: 20 * 2 ** 20, clusterMiBs: 25 },
  dump: { seconds: 5, storedBytes: 10 * 2 ** 20, recordsPerSecond: 10_000 }, verify: { seconds: 1, ok: true },
  drill: { rtoSeconds: 10, ok: true, restoreMiBs: 10, checks: 6 }, dumpDrill: { seconds: 20, ok: true, checks: 6 }, ...o
})

describe('backup module', () => {
  it('maps rates to comparisons (MiB/s of the cluster), the RTO as a reported figure, and says what the quick run leaves out', () => {
    const out = backupOutput(backupM(), 50_000, 100 * 2 ** 20)
    expect(out.comparisons!.map((c) => [c.group, c.console.value, c.baseline.value, c.ratio, c.verified])).toEqual([
      ['backup-base', 25, 50, 0.5, true],
      ['backup-restore', 10, 5, 2, true]
    ])
    expect(out.targets).toEqual([expect.objectContaining({ label: 'RTO of a restore drill (base backup)', value: 10, unit: 's', met: null })])
    expect(out.notes).toContain('zstd vs lz4 on the base backup: full run only')
    const failed = backupOutput(backupM({ drill: { rtoSeconds: 10, ok: false, restoreMiBs: 10, checks: 6 } }), 50_000, 100 * 2 ** 20)
    expect(failed.comparisons![1]).toMatchObject({ verified: false, answer: 'checks FAIL (base), pass (dump)' })
    const full = backupOutput(backupM({ compression: [{ name: 'zstd -1', rawBytes: 1, compressedBytes: 1, ratio: 3.1, compressMiBs: 400, decompressMiBs: 900 }] }), 50_000, 100 * 2 ** 20)
    expect(full.notes).toContain('zstd -1: ×3.10, compress 400 MiB/s, decompress 900 MiB/s')
  })
})

describe('the new results in the table and the history chart', () => {
  it('prints each new comparison with its ratio, and keeps rates and pauses out of the selective speed-up', () => {
    const run = sampleRun()
    run.results.splice(2, 1, result('switch', switchOutput(switchM(), 10_000)), result('backup', backupOutput(backupM(), 50_000, 100 * 2 ** 20)))
    const text = formatRun(run)
    expect(text).toMatch(/promote pause under 100 clients\s+400 ms\s+40 ms\s+×0\.10\s+yes \(BLUE → GREEN\)/)
    expect(text).toMatch(/base backup\s+50,000\s+25 MiB\/s\s+50 MiB\/s\s+×0\.50\s+yes/)
    expect(historyPoints([run])[0].speedup).toBe(3982.26)
  })
})
