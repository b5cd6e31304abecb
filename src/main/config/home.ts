import { mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

/** The state directory: settings, secrets (mode 0600), job history. `--home` > FDA_OFFLINE_HOME > ~/.fda-offline. */
export function resolveHome(explicit?: string): string {
  const home = resolve(explicit ?? process.env.FDA_OFFLINE_HOME ?? join(homedir(), '.fda-offline'))
  mkdirSync(home, { recursive: true, mode: 0o700 })
  return home
}
