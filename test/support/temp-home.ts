import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Ports where no stack of ours runs: unit tests must not reach a developer's live stack. */
export const NOWHERE = { stackName: 'fdaunit', ports: { blue: 59901, green: 59902, pgbouncer: 59903 } }

/** A throw-away state directory, optionally with settings (unique stack name and ports for tests). */
export function tempHome(settings?: object): { home: string; cleanup: () => void } {
  const home = mkdtempSync(join(tmpdir(), 'fda-test-'))
  if (settings) writeFileSync(join(home, 'settings.json'), JSON.stringify(settings))
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) }
}
