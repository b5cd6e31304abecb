import { accessSync, constants, mkdirSync, statSync } from 'node:fs'
import { statfs } from 'node:fs/promises'
import { join } from 'node:path'
import type { Services } from '../app/services'
import { loadMigrations } from '../db/prepare'
import type { InputFile } from './sources'

export interface Check {
  name: string
  ok: boolean
  detail: string
  fix: string | null
}

/** PostgreSQL stores JSONB larger than its JSON text once indexes and staging are counted. */
const DISK_FACTOR = 3

/** Everything checked before a migration starts; each check says what to do when it fails. */
export async function preflight(s: Services, files: InputFile[], reportDir: string): Promise<Check[]> {
  const checks: Check[] = []
  const add = (name: string, ok: boolean, detail: string, fix: string | null) => checks.push({ name, ok, detail, fix: ok ? null : fix })
  try {
    const v = await s.stack.ping()
    add('Docker reachable', true, `Docker ${v.version}`, null)
  } catch (e) {
    add('Docker reachable', false, (e as Error).message, (e as { fix?: string }).fix ?? 'Start the Docker engine.')
  }
  const status = await s.stack.status().catch(() => null)
  const liveColor = status?.liveColor ?? 'blue'
  const blue = status?.containers.find((c) => c.role === liveColor)
  add(`${liveColor.toUpperCase()} (live) healthy`, Boolean(status?.healthy), blue ? `${liveColor.toUpperCase()} ${blue.state}/${blue.health}, PgBouncer ${status?.containers.find((c) => c.role === 'pgbouncer')?.health}` : 'stack not reachable', 'Start the stack (Status screen, or `fda-offline stack up`).')
  try {
    const expected = loadMigrations(s.sqlDir).map((m) => m.file)
    const r = await s.db.app().query<{ file: string }>('SELECT file FROM console.schema_migrations ORDER BY version')
    const applied = r.rows.map((x) => x.file)
    const missing = expected.filter((f) => !applied.includes(f))
    add('Schema current', missing.length === 0, missing.length ? `not applied: ${missing.join(', ')}` : `${applied.length} migrations applied`, 'Run `fda-offline db migrate` (or restart the console).')
  } catch (e) {
    add('Schema current', false, (e as Error).message, 'Start the stack; migrations are applied when it comes up.')
  }
  const inputBytes = files.reduce((n, f) => n + f.size, 0)
  // The data volume lives under Docker's root; on these machines that is the local disk.
  const where = ['/var/lib/docker', s.home].find((p) => {
    try {
      return statSync(p).isDirectory()
    } catch {
      return false
    }
  })!
  const fs = await statfs(where)
  const free = fs.bavail * fs.bsize
  const need = inputBytes * DISK_FACTOR
  add('Enough free disk', free > need, `${gib(free)} free where the data lives (${where}); about ${gib(need)} needed for ${gib(inputBytes)} of input`, 'Free disk space, or import in parts.')
  try {
    mkdirSync(reportDir, { recursive: true })
    accessSync(reportDir, constants.W_OK)
    add('Reject report writable', true, join(reportDir, 'rejects.csv'), null)
  } catch (e) {
    add('Reject report writable', false, (e as Error).message, `Make ${reportDir} writable.`)
  }
  return checks
}

const gib = (b: number): string => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GiB` : `${(b / 2 ** 20).toFixed(1)} MiB`)
