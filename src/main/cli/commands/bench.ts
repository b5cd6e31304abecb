import { Option } from 'commander'
import type { BenchRun } from '../../../shared/schemas/bench'
import { benchStore, startBenchJob } from '../../bench/suite/bench-job'
import { formatRun, formatRunList } from '../../bench/suite/format-table'
import { BENCHMARKS } from '../../bench/suite/registry'
import { parseSizes, SuiteUsageError } from '../../bench/suite/run-suite'
import { ExitError, type CliKit } from '../main'

/** `bench run | list | show`: the benchmark suite and its stored runs (beside `bench records|import`). */
export function registerBenchCommands(kit: CliKit): void {
  const bench = kit.program.commands.find((c) => c.name() === 'bench') ?? kit.program.command('bench').description('benchmarks')

  bench
    .command('run')
    .description('run the benchmark suite (each benchmark against its comparison, side by side) and store the results in <home>/bench')
    .option('--quick', 'CI-sized: smaller data (10k and 50k records), shorter loads; a few minutes')
    .option('--only <names>', `comma-separated benchmarks: ${BENCHMARKS.map((b) => b.name).join(', ')}`)
    .option('--sizes <list>', 'mirror sizes for the scaling curve (default 10000,100000,1000000; quick 10000,50000)')
    .addOption(new Option('--base-port <n>', 'first of the ports the bench stacks use (base..base+30 on 127.0.0.1); also FDA_BENCH_BASE_PORT'))
    .action(async (o: { quick?: boolean; only?: string; sizes?: string; basePort?: string }) => {
      let sizes: number[] | undefined
      try {
        sizes = o.sizes ? parseSizes(o.sizes) : undefined
      } catch (e) {
        if (e instanceof SuiteUsageError) throw new ExitError(2, e.message)
        throw e
      }
      const only = o.only ? o.only.split(',').map((x) => x.trim()).filter(Boolean) : null
      const unknown = (only ?? []).filter((n) => !BENCHMARKS.some((b) => b.name === n))
      if (unknown.length) throw new ExitError(2, `unknown benchmark ${unknown.join(', ')}: choose from ${BENCHMARKS.map((b) => b.name).join(', ')}`)
      const { s } = await kit.open({ signIn: false })
      let stored: { run: BenchRun; file: string } | null = null
      const job = startBenchJob(
        s, { quick: Boolean(o.quick), only, sizes, basePort: o.basePort ? Number(o.basePort) : undefined },
        (line) => process.stderr.write(line + '\n'), (run, file) => (stored = { run, file })
      )
      const cancel = (): void => void s.jobs.cancel(job.id)
      process.once('SIGINT', cancel)
      const final = await s.jobs.wait(job.id).finally(() => process.off('SIGINT', cancel))
      const got = stored as { run: BenchRun; file: string } | null
      if (got) {
        kit.print(got.run, () => formatRun(got.run))
        process.stderr.write(`stored in ${got.file}\n`)
      }
      if (final.state !== 'succeeded') throw new ExitError(1, final.error ?? final.state)
    })

  bench
    .command('list')
    .description('the benchmarks of the suite, and the stored runs (newest first)')
    .addOption(new Option('--limit <n>', 'runs to show').default('20'))
    .action(async (o: { limit: string }) => {
      const { s } = await kit.open({ signIn: false })
      const { runs, unreadable } = benchStore(s).list(Number(o.limit))
      const benchmarks = BENCHMARKS.map((b) => ({ name: b.name, title: b.title, compares: b.compares, available: b.available, reason: b.reason ?? null }))
      kit.print({ benchmarks, runs: runs.map(({ results, ...r }) => ({ ...r, results: results.map((x) => ({ name: x.name, status: x.status })) })), unreadable }, () =>
        [
          'BENCHMARKS',
          ...benchmarks.map((b) => `  ${b.name.padEnd(12)} ${b.available ? '' : '(not in this build) '}${b.title}: ${b.compares}`),
          '',
          'RUNS',
          formatRunList(runs).split('\n').map((l) => `  ${l}`).join('\n'),
          ...(unreadable.length ? ['', `unreadable files in the results folder: ${unreadable.join(', ')}`] : [])
        ].join('\n')
      )
    })

  bench
    .command('show')
    .argument('[id]', 'run id (default: the newest run)')
    .description('one stored run as tables (or JSON with --json)')
    .action(async (id: string | undefined) => {
      const { s } = await kit.open({ signIn: false })
      let run: BenchRun | null
      try {
        run = benchStore(s).get(id)
      } catch (e) {
        throw new ExitError(2, (e as Error).message)
      }
      if (!run) throw new ExitError(1, id ? `no stored benchmark run ${id}: see \`fda-offline bench list\`` : 'no benchmark run stored yet: run `fda-offline bench run --quick`')
      kit.print(run, () => formatRun(run))
    })
}
