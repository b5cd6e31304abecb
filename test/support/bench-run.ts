import type { BenchRun } from '../../src/shared/schemas/bench'

/** A small, valid stored run for store and formatter tests. */
export function sampleRun(o: Partial<BenchRun> = {}): BenchRun {
  return {
    id: '20261129T100000Z-abcdef', startedAt: '2026-11-29T10:00:00.000Z', endedAt: '2026-11-29T10:03:05.000Z', quick: true, sizes: [10_000, 50_000], only: null,
    machine: { cpu: 'AMD EPYC', cores: 2, memoryGiB: 23.5, os: 'Debian GNU/Linux 12 (bookworm)', node: 'v20.19.0', postgres: '15.18', pgbouncer: '1.18.0' },
    revision: { commit: '0123456789abcdef0123456789abcdef01234567', branch: 'issue-9', dirty: true, version: '0.1.0' },
    results: [
      {
        name: 'import', title: 'Import: console pipeline vs psql \\copy', status: 'ok', reason: null, seconds: 41.2,
        comparisons: [{ label: 'import a JSON cache', group: 'import', size: 20_000, console: { name: 'pipeline', value: 2666, unit: 'records/s' }, baseline: { name: 'psql', value: 6839, unit: 'rows/s' }, ratio: 0.3898, verified: true, answer: '20000 records' }],
        latencies: [],
        targets: [{ label: 'import rate relative to psql \\copy', value: 0.3898, unit: '×', target: '≥ 0.8', met: false, note: '20,000 records' }],
        notes: [], details: {}
      },
      {
        name: 'queries', title: 'Queries', status: 'ok', reason: null, seconds: 30,
        comparisons: [
          { label: 'key lookup 510(k) by k_number', group: 'key-lookup', size: 50_000, console: { name: 'SQL', value: 0.31, unit: 'ms' }, baseline: { name: 'cache', value: 1234.5, unit: 'ms' }, ratio: 3982.26, verified: true, answer: '1 record' },
          { label: 'count 510(k) by product_code (top 100)', group: 'count', size: 50_000, console: { name: 'SQL', value: 4.5, unit: 'ms' }, baseline: { name: 'cache', value: 1300, unit: 'ms' }, ratio: 0, verified: false, answer: '100 terms' }
        ],
        latencies: [{ label: 'key lookup 510(k) by k_number', group: 'key-lookup', client: 'node-postgres', size: 50_000, clients: 1, queries: 20, errors: 0, qps: 1500.4, p50: 0.31, p95: 0.52, p99: 0.9, max: 1.1 }],
        targets: [{ label: 'selective queries vs scanning the cache', value: 3982.26, unit: '×', target: '≥ 1000× at 1,000,000 records', met: null, note: 'measured at 50,000 records' }],
        notes: ['count at 50000: the answers differ'], details: {}
      },
      { name: 'switch', title: 'Blue-green switch', status: 'unavailable', reason: 'not available in this build (comes with issue 6)', seconds: 0, comparisons: [], latencies: [], targets: [], notes: [], details: {} },
      { name: 'concurrency', title: 'Concurrency', status: 'failed', reason: 'pgbench exited with 1', seconds: 2, comparisons: [], latencies: [], targets: [], notes: [], details: {} }
    ],
    ...o
  }
}
