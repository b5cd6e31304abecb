import { Option } from 'commander'
import { isEndpoint } from '../../openfda/endpoints'
import { API_KEY_SECRET } from '../../openfda/client/api-key'
import { readStdinPassword, ExitError, type CliKit } from '../main'

const int = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined
  if (!/^\d+$/.test(v)) throw new ExitError(2, `${name} must be a whole number, not "${v}"`)
  return Number(v)
}

/** `fda-offline query` (the three-tier read path) and `fda-offline openfda set-key`. */
export function registerOpenfdaCommands(kit: CliKit): void {
  kit.program
    .command('query')
    .description('an openFDA query through the read path (mirror → JSON cache → openFDA); prints the envelope, the answering tier in meta.fda_offline')
    .argument('<endpoint>', '510k, classification, event, recall, pma, udi or enforcement')
    .option('--search <query>', "openFDA search, e.g. 'product_code:DQY AND decision_date:[2020-01-01 TO 2020-12-31]'")
    .option('--count <field>', 'count by a field (add .exact for whole values)')
    .option('--sort <field:order>', 'e.g. decision_date:desc')
    .option('--limit <n>', 'records (up to 1000)')
    .option('--skip <n>', 'records to skip (up to 25000)')
    .option('--search-after <cursor>', "page past 25,000 with openFDA's search_after cursor")
    .action(async (endpoint: string, o: { search?: string; count?: string; sort?: string; limit?: string; skip?: string; searchAfter?: string }) => {
      if (!isEndpoint(endpoint)) throw new ExitError(2, `unknown endpoint "${endpoint}": use 510k, classification, event, recall, pma, udi or enforcement`)
      const { api } = await kit.open()
      const env = await api.query.run({
        endpoint, search: o.search, count: o.count, sort: o.sort, limit: int('--limit', o.limit), skip: int('--skip', o.skip), search_after: o.searchAfter
      })
      process.stdout.write(JSON.stringify(env, null, 2) + '\n')
      const info = env.meta.fda_offline
      const why = info.skipped.map((x) => `${x.tier} skipped: ${x.reason}`).join('; ')
      process.stderr.write(`answered by: ${info.tier ?? 'no tier'}${info.degraded ? ' (DEGRADED)' : ''}${why ? ` — ${why}` : ''}\n`)
      if (info.tier === null) throw new ExitError(1, 'no tier could answer')
    })

  const openfda = kit.program.command('openfda').description('the openFDA API: key')
  openfda
    .command('set-key')
    .description('keep an openFDA API key in the secret store (read from standard input; never shown again)')
    .addOption(new Option('--clear', 'remove the stored key'))
    .action(async (o: { clear?: boolean }) => {
      const { s } = await kit.open({ signIn: false })
      const key = o.clear ? '' : readStdinPassword().trim()
      if (!o.clear && !/^[A-Za-z0-9]{20,80}$/.test(key)) throw new ExitError(2, 'that does not look like an openFDA API key (20 to 80 letters and digits)')
      s.secrets.set(API_KEY_SECRET, key)
      kit.print({ stored: !o.clear }, () => (o.clear ? 'openFDA API key removed' : 'openFDA API key stored (the daily limit is now 120,000 requests)'))
    })
}
