import { Option } from 'commander'
import { join } from 'node:path'
import { createServices } from '../../app/services'
import type { CliKit } from '../main'

/** `fda-offline api`: the openFDA-compatible local API over the mirror; `bench api` measures it. */
export function registerLocalApiCommands(kit: CliKit): void {
  const { program, json } = kit
  const api = program
    .command('api')
    .description('serve the mirror as an openFDA-compatible API (GET /device/{endpoint}.json) on 127.0.0.1, read-only')
    .option('--port <n>', 'port (default: settings ports.api, 64321, or FDA_API_PORT; 0 picks a free one)')
    .option('--require-key', 'every request must carry the key from `fda-offline api key` (also settings localApi.requireKey)')
    .option('--quiet', 'do not print a line per request')
    .action(async (o: { port?: string; requireKey?: boolean; quiet?: boolean }) => {
      const { startMirrorApi } = await import('../../openfda/local-api/service')
      const s = createServices({ host: 'cli', home: kit.globals().home })
      const running = await startMirrorApi(s, {
        port: o.port === undefined ? undefined : Number(o.port),
        requireKey: o.requireKey ? true : undefined,
        // Method, path, status and time only: query strings may carry api_key.
        onRequest: o.quiet ? undefined : (r) => process.stderr.write(`${new Date().toISOString()} ${r.method} ${r.path} ${r.status} ${r.ms} ms\n`)
      })
      const info = { url: running.url, requireKey: running.requireKey, endpoints: `${running.url}/device/{510k,classification,event,recall,pma,udi,enforcement}.json` }
      process.stdout.write((json() ? JSON.stringify(info) : `openFDA-compatible API on ${running.url} (read-only${running.requireKey ? ', key required: see `fda-offline api key`' : ''})\ntry: curl '${running.url}/device/510k.json?search=device_name:catheter&limit=1'`) + '\n')
      await new Promise<void>((done) => {
        const stop = (): void => void running.close().then(() => s.close()).then(done)
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
    })
  api
    .command('key')
    .description('print the local API key (created on first use) for clients: api_key=KEY, X-Api-Key or Authorization: Bearer')
    .option('--rotate', 'replace the key; clients holding the old one are refused')
    .action(async (o: { rotate?: boolean }) => {
      const { localApiKey } = await import('../../openfda/local-api/service')
      const s = createServices({ host: 'cli', home: kit.globals().home })
      const key = localApiKey(s, Boolean(o.rotate))
      kit.print({ key }, () => key)
    })

  const bench = program.commands.find((c) => c.name() === 'bench')
  ;(bench ?? program.command('bench'))
    .command('api')
    .description('p50/p95 of the local API over HTTP (key lookup, counts, a search) with N generated MAUDE records, on a stack of its own')
    .addOption(new Option('--records <n>', 'records to load').default('100000'))
    .addOption(new Option('--queries <n>', 'requests per kind').default('500'))
    .addOption(new Option('--concurrency <n>', 'concurrent clients').default('8'))
    .option('--keep', 'keep the bench stack afterwards')
    .action(async (o: { records: string; queries: string; concurrency: string; keep?: boolean }) => {
      const { runApiBench } = await import('../../bench/api-bench')
      const home = createServices({ host: 'cli', home: kit.globals().home }).home
      const r = await runApiBench({
        records: Number(o.records), queries: Number(o.queries), concurrency: Number(o.concurrency), keep: Boolean(o.keep),
        resultsDir: join(home, 'bench'), log: (l) => process.stderr.write(l + '\n')
      })
      if (json()) process.stdout.write(JSON.stringify(r, null, 2) + '\n')
    })
}
