import { join } from 'node:path'
import { Option } from 'commander'
import { ENDPOINTS, isEndpoint, type Endpoint } from '../../openfda/endpoints'
import { ExitError, type CliKit } from '../main'

/** `fda-offline refresh`: bring the mirror up to date from openFDA. */
export function registerRefreshCommands(kit: CliKit): void {
  kit.program
    .command('refresh')
    .description('fetch new, changed and deleted records from openFDA and apply them (into GREEN with --blue-green); resumes an interrupted run')
    .option('--endpoint <e...>', `one or more of ${ENDPOINTS.join(', ')} (default: all)`)
    .option('--blue-green', 'apply into the standby color (GREEN), leaving the live one untouched; GREEN is prepared from the live color first when it is not (default when event or udi is included)')
    .option('--in-place', 'apply into the live color')
    .option('--source <url>', 'openFDA API base URL (default: the openfda.baseUrl setting); its /download.json is the manifest')
    .option('--manifest <url>', 'download manifest URL')
    .option('--full', 'bulk files for every endpoint instead of date windows')
    .option('--since <date>', 'start the date windows at YYYY-MM-DD')
    .action(async (o: { endpoint?: string[]; blueGreen?: boolean; inPlace?: boolean; source?: string; manifest?: string; full?: boolean; since?: string }) => {
      for (const e of o.endpoint ?? []) if (!isEndpoint(e)) throw new ExitError(2, `unknown endpoint "${e}": use ${ENDPOINTS.join(', ')}`)
      if (o.blueGreen && o.inPlace) throw new ExitError(2, '--blue-green and --in-place exclude each other')
      const { s, api } = await kit.open()
      const job = await api.refresh.start({
        endpoints: o.endpoint as Endpoint[] | undefined, blueGreen: o.blueGreen ? true : o.inPlace ? false : undefined,
        source: o.source, manifestUrl: o.manifest, full: o.full, since: o.since
      })
      await kit.runJob(s, api, Promise.resolve(job))
      const r = await api.refresh.result({ jobId: job.id })
      if (r)
        kit.print(r, () =>
          [`Refresh ${r.runId}${r.resumed ? ' (resumed)' : ''} into ${r.color.toUpperCase()} in ${r.seconds.toFixed(1)} s`, 'ENDPOINT        MODE        FETCHED  NEW      UPDATED  DELETED  UNCHANGED  CONFLICTS  RESTORED  DIGEST']
            .concat(r.endpoints.map((e) => `${e.endpoint.padEnd(15)} ${e.mode.padEnd(11)} ${String(e.fetched).padEnd(8)} ${String(e.inserted).padEnd(8)} ${String(e.updated).padEnd(8)} ${String(e.deleted).padEnd(8)} ${String(e.unchanged).padEnd(10)} ${String(e.conflicts).padEnd(10)} ${String(e.restored).padEnd(9)} ${e.digest.slice(0, 16)}…`))
            .join('\n')
        )
    })

  // `bench refresh`: under the existing `bench` group.
  const bench = kit.program.commands.find((c) => c.name() === 'bench')
  bench
    ?.command('refresh')
    .description('a refresh of N adverse events from the local openFDA stand-in: first load, 1% changed (bulk), a date window (API pages)')
    .addOption(new Option('--records <n>', 'adverse-event records').default('100000'))
    .option('--keep', 'keep the bench stack afterwards')
    .action(async (o: { records: string; keep?: boolean }) => {
      const { runRefreshBench } = await import('../../bench/refresh-bench')
      const { s } = await kit.open({ signIn: false })
      const r = await runRefreshBench({ records: Number(o.records), keep: Boolean(o.keep), resultsDir: join(s.home, 'bench'), log: (l) => process.stderr.write(l + '\n') })
      if (kit.json()) process.stdout.write(JSON.stringify(r, null, 2) + '\n')
    })
}
