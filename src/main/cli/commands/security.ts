import { readFileSync } from 'node:fs'
import { ExitError, type CliKit } from '../main'

/** `secrets list|set|clear`: values only from standard input, never from the command line, never printed. */
export function registerSecurityCommands(kit: CliKit): void {
  const secrets = kit.program.command('secrets').description('secrets (openFDA API key, S3 credentials, OpenPGP keys): set from standard input, listed as set or not set')
  secrets.command('list').action(async () => {
    const { api } = await kit.open()
    const list = await api.security.secrets.list()
    kit.print(list, () => list.map((x) => `${x.name.padEnd(22)} ${(x.set ? 'set' : 'not set').padEnd(8)} ${x.managed ? '(managed) ' : ''}${x.describe}`).join('\n'))
  })
  secrets
    .command('set')
    .argument('<name>', 'e.g. openfda.apiKey')
    .description('read the value from standard input; sign in with --token (standard input carries the secret)')
    .action(async (name: string) => {
      if (kit.globals().passwordStdin)
        throw new ExitError(2, 'secrets set reads the secret from standard input: sign in with --token TOKEN (from `fda-offline auth token`) instead of --password-stdin')
      const { api } = await kit.open()
      const value = readFileSync(0, 'utf8').replace(/\r?\n$/, '')
      if (!value) throw new ExitError(2, 'expected the secret on standard input')
      await api.security.secrets.set({ name, value })
      kit.print({ name, set: true }, () => `${name} set`)
    })
  secrets.command('clear').argument('<name>').action(async (name: string) => {
    const { api } = await kit.open()
    await api.security.secrets.clear({ name })
    kit.print({ name, set: false }, () => `${name} cleared`)
  })
}
