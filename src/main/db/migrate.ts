import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type pg from 'pg'

export interface Migration {
  version: number
  file: string
  sql: string
  checksum: string
}

/** A migration that can't be applied, or an applied one that no longer matches its file. */
export class MigrationError extends Error {
  constructor(message: string, readonly fix: string) {
    super(message)
  }
}

const NAME = /^(\d{4})_[a-z0-9_]+\.sql$/

export function readMigrations(dir: string): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()
  const seen = new Map<number, string>()
  return files.map((file) => {
    const m = NAME.exec(file)
    if (!m) throw new MigrationError(`sql/${file} is not named NNNN_name.sql`, 'Rename it, e.g. 0007_add_index.sql.')
    const version = Number(m[1])
    if (seen.has(version)) throw new MigrationError(`sql/${file} and sql/${seen.get(version)} share version ${m[1]}`, 'Give each migration its own number.')
    seen.set(version, file)
    const sql = readFileSync(join(dir, file), 'utf8')
    return { version, file, sql, checksum: createHash('sha256').update(sql).digest('hex') }
  })
}

export function findSqlDir(resourcesDir: string): string {
  const dir = join(resourcesDir, '..', 'sql')
  if (!existsSync(dir)) throw new MigrationError(`no sql/ folder beside ${resourcesDir}`, 'Reinstall the console.')
  return dir
}

const LOCK = 'hashtextextended(\'fda.migrations\', 0)'

/**
 * Applies pending migrations in order, each in its own transaction (a failing statement stops and
 * rolls back that file, as psql's ON_ERROR_STOP would), under an advisory lock so two consoles
 * never migrate at once. An applied migration whose file changed stops everything, naming the file.
 */
export async function migrate(client: pg.Client, migrations: Migration[]): Promise<{ applied: string[]; version: number }> {
  await client.query(`SELECT pg_advisory_lock(${LOCK})`)
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS console;
      CREATE TABLE IF NOT EXISTS console.schema_migrations (
        version integer PRIMARY KEY, file text NOT NULL, checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(), duration_ms integer NOT NULL)`)
    const applied = new Map(
      (await client.query<{ version: number; file: string; checksum: string }>('SELECT version, file, checksum FROM console.schema_migrations'))
        .rows.map((r) => [r.version, r])
    )
    for (const row of applied.values()) {
      const m = migrations.find((x) => x.version === row.version)
      if (!m)
        throw new MigrationError(`applied migration sql/${row.file} is missing from this console`, 'Run the console version that matches this database, or restore the file.')
      if (m.checksum !== row.checksum)
        throw new MigrationError(
          `migration sql/${m.file} was changed after it was applied to this database (checksum ${row.checksum.slice(0, 12)}… now ${m.checksum.slice(0, 12)}…)`,
          `Restore sql/${m.file} as it was and put the change in a new migration file.`
        )
    }
    const done: string[] = []
    for (const m of migrations.filter((x) => !applied.has(x.version))) {
      const started = Date.now()
      try {
        await client.query('BEGIN')
        await client.query(m.sql)
        await client.query('INSERT INTO console.schema_migrations (version, file, checksum, duration_ms) VALUES ($1, $2, $3, $4)', [
          m.version, m.file, m.checksum, Date.now() - started
        ])
        await client.query('COMMIT')
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {})
        const err = e as Error & { position?: string }
        const line = err.position ? ` (line ${m.sql.slice(0, Number(err.position)).split('\n').length})` : ''
        throw new MigrationError(`migration sql/${m.file} failed${line}: ${err.message}`, `Fix sql/${m.file}; nothing of it was applied.`)
      }
      done.push(m.file)
    }
    const version = Math.max(0, ...migrations.map((m) => m.version))
    return { applied: done, version }
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${LOCK})`).catch(() => {})
  }
}
