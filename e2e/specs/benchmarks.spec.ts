import { expect, test } from '../fixtures'
import { ADMIN, ConsolePage } from '../pages/console-page'
import { BenchmarksPage } from '../pages/benchmarks-page'
import { benchRun, storeRuns } from '../support/bench-fixture'

const OLDER = benchRun({ id: '20261101T090000Z-0a0a0a', startedAt: '2026-11-01T09:00:00.000Z', commit: 'aaaaaaaaaa1111111111aaaaaaaaaa1111111111', scale: 0.5, p99At200: 25 })
const NEWER = benchRun({ id: '20261102T090000Z-0b0b0b', startedAt: '2026-11-02T09:00:00.000Z', commit: 'bbbbbbbbbb2222222222bbbbbbbbbb2222222222', scale: 1, p99At200: 12 })

test.beforeAll(() => storeRuns(process.env.FDA_E2E_HOME!, [OLDER, NEWER]))

test.beforeEach(async ({ consolePage }) => {
  const ui = new ConsolePage(consolePage)
  await ui.signIn(ADMIN.username, ADMIN.password)
  await ui.open('Benchmarks')
  await expect(ui.heading()).toHaveText('Benchmarks')
})

test('Benchmarks draws ratio, percentile, scaling, concurrency and history charts from stored runs', async ({ consolePage }) => {
  const b = new BenchmarksPage(consolePage)
  await expect(b.runPicker()).toHaveValue(NEWER.id) // the newest stored run first
  await expect(consolePage.getByTestId('bench-revision')).toContainText('bbbbbbbbbb2222222222')

  // ratios: the import and the five query kinds at their largest size, labelled with the stored ratio
  const ratios = b.chart('ratios')
  await expect(b.bars(ratios)).toHaveCount(6)
  const keyLookup = NEWER.results[1].comparisons.find((c) => c.group === 'key-lookup' && c.size === 100_000)!
  await expect(b.svgText(ratios).filter({ hasText: `×${Math.round(keyLookup.ratio).toLocaleString('en-US')}` })).toHaveCount(1)
  await expect(b.svgText(ratios).filter({ hasText: '×0.39' })).toHaveCount(1)

  // percentiles: p50/p95/p99 bars for five queries and the two clients at 200
  await expect(b.bars(b.chart('latency'))).toHaveCount((5 + 2) * 3)

  // scaling: console and cache lines for the five kinds, across 10k and 100k
  const scaling = b.chart('scaling')
  await expect(b.lines(scaling)).toHaveCount(10)
  await expect(b.svgText(scaling).filter({ hasText: /^10k$/ })).toHaveCount(1)
  await expect(b.svgText(scaling).filter({ hasText: /^100k$/ })).toHaveCount(1)

  // concurrency: one line per client, at the four client counts
  for (const c of ['concurrency-p99', 'concurrency-qps'] as const) {
    await expect(b.lines(b.chart(c))).toHaveCount(2)
    for (const n of ['20', '50', '100', '200']) await expect(b.svgText(b.chart(c)).filter({ hasText: new RegExp(`^${n}$`) }).first()).toBeVisible()
  }

  // history: both runs, and the revision on hover
  const history = b.chart('history')
  await expect(b.lines(history)).toHaveCount(3)
  await expect(b.dots(history)).toHaveCount(2 * 3)
  await b.dots(history).first().hover()
  await expect(consolePage.getByTestId('history-tip')).toContainText('aaaaaaaaaa')

  // targets and what this build does not have
  await expect(b.targets()).toContainText('12 ms')
  await expect(b.missing()).toContainText('switch: not available in this build')

  // another stored run on request
  await b.runPicker().selectOption(OLDER.id)
  await expect(consolePage.getByTestId('bench-revision')).toContainText('aaaaaaaaaa1111111111')
  await expect(b.targets()).toContainText('25 ms')
  await consolePage.screenshot({ path: test.info().outputPath('benchmarks.png'), fullPage: true })
})

test('a benchmark started from the screen runs as a job and its stored run is shown', async ({ consolePage }) => {
  // A real quick run of the smallest benchmark: a bench stack of its own (FDA_BENCH_BASE_PORT, set by
  // the global setup), 10,000 records and their JSON cache, the local API against the cache scan.
  test.setTimeout(300_000)
  const b = new BenchmarksPage(consolePage)
  await b.startRun('api')
  await expect(consolePage.getByTestId('job-progress')).toHaveAttribute('data-state', 'succeeded', { timeout: 280_000 })
  await expect(b.runPicker().locator('option')).toHaveCount(3)
  await expect(b.runPicker()).not.toHaveValue(NEWER.id)
  // both questions gave the same answer from the API and the cache: one ratio bar each
  await expect(b.bars(b.chart('ratios'))).toHaveCount(2)
  await expect(b.targets()).toContainText('local API key lookup vs scanning the cache')
})
