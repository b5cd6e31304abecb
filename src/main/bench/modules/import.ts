import { runImportBench } from '../import-bench'
import type { BenchModule, ModuleOutput, SuiteContext } from '../suite/types'

/** The import pipeline against `psql \copy` of the same rows (import-bench.ts), on a stack of its own at base+20. */
export async function runImport(ctx: SuiteContext): Promise<ModuleOutput> {
  // quick: at most 20k records (CI-sized); full: the largest mirror size (1M by default)
  const records = ctx.quick ? Math.min(20_000, Math.max(...ctx.sizes)) : Math.max(...ctx.sizes)
  ctx.progress(`importing ${records.toLocaleString('en-US')} records both ways`)
  const r = await runImportBench({
    records, keep: false, resultsDir: null, log: ctx.log, signal: ctx.signal,
    ports: { blue: ctx.basePort + 20, green: ctx.basePort + 21, pgbouncer: ctx.basePort + 30 }
  })
  const verified = r.pipeline.verified && r.pipeline.summary.records.inserted === records
  return {
    comparisons: [{
      label: 'import a JSON cache', group: 'import', size: records,
      console: { name: 'console pipeline (pre-flight, load, merge, index, verify)', value: r.pipeline.recordsPerSecond, unit: 'records/s' },
      baseline: { name: 'psql \\copy + the same indexes', value: r.psql.rowsPerSecond, unit: 'rows/s' },
      ratio: r.ratio, verified, answer: `${r.pipeline.summary.records.inserted} records`
    }],
    targets: [
      { label: 'import rate relative to psql \\copy', value: r.ratio, unit: '×', target: '≥ 0.8', met: r.ratio >= 0.8, note: `${records.toLocaleString('en-US')} records` },
      { label: 'pipeline peak memory', value: r.pipeline.peakRssMiB, unit: 'MiB', target: '< 500 MiB', met: r.pipeline.peakRssMiB < 500, note: null }
    ],
    details: {
      postgres: r.postgres, records, files: r.files, inputMiB: Math.round(r.inputBytes / 2 ** 20), pipelineSeconds: r.pipeline.seconds, psqlSeconds: r.psql.seconds,
      psqlCopySeconds: r.psql.copySeconds, phases: r.pipeline.summary.timings, peakRssMiB: r.pipeline.peakRssMiB
    }
  }
}

export const importBench: BenchModule = {
  name: 'import', title: 'Import: console pipeline vs psql \\copy',
  compares: 'the migration pipeline vs psql \\copy of the same rows with the same indexes', available: true, run: runImport
}
