import type { Locator, Page } from '@playwright/test'

/** Page object of the Benchmarks screen. */
export class BenchmarksPage {
  constructor(readonly page: Page) {}

  chart(name: 'ratios' | 'latency' | 'scaling' | 'concurrency' | 'concurrency-p99' | 'concurrency-qps' | 'history'): Locator {
    return this.page.getByTestId(`bench-chart-${name}`)
  }
  /** Bars actually drawn (SVG paths), not the legend. */
  bars(chart: Locator): Locator {
    return chart.locator('svg .recharts-bar-rectangle path')
  }
  lines(chart: Locator): Locator {
    return chart.locator('svg path.recharts-line-curve')
  }
  dots(chart: Locator): Locator {
    return chart.locator('svg .recharts-line-dots circle')
  }
  svgText(chart: Locator): Locator {
    return chart.locator('svg text')
  }
  runPicker(): Locator {
    return this.page.getByLabel('Benchmark run', { exact: true })
  }
  missing(): Locator {
    return this.page.getByTestId('bench-missing')
  }
  targets(): Locator {
    return this.page.getByTestId('bench-targets')
  }
  async startRun(which: string, quick = true): Promise<void> {
    await this.page.getByLabel('Benchmark to run').selectOption(which)
    const box = this.page.getByRole('checkbox', { name: 'quick' })
    if ((await box.isChecked()) !== quick) await box.click()
    await this.page.getByTestId('bench-run-panel').getByRole('button', { name: 'Run', exact: true }).click()
  }
}
