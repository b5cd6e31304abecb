import type { Color } from '../../shared/schemas'
import type { StackService } from '../stack/stack-service'
import { StackError } from '../stack/stack-error'
import { ensureSecret } from '../config/secrets'
import { APP_ROLE, BACKUP_PASSWORD_SECRET, BACKUP_ROLE, READER_ROLE, type Database } from './database'
import { migrate, MigrationError, readMigrations, type Migration } from './migrate'

/**
 * Brings a color's schema up to date and gives the application roles their passwords from the
 * secret store. Runs when the stack comes up, when a color is created and when the console starts.
 */
export async function prepareColor(db: Database, color: Color, migrations: Migration[], segment = 'main'): Promise<{ applied: string[]; version: number }> {
  try {
    return await db.admin(color, async (c) => {
      const result = await migrate(c, migrations)
      // ALTER ROLE takes no parameters: the passwords are quoted by the driver (and are random base64url).
      // pg_stat_statements would keep the statement text (with the password): not for these.
      await c.query('SET pg_stat_statements.track_utility = off')
      await c.query(`ALTER ROLE ${APP_ROLE} PASSWORD ${c.escapeLiteral(db.appPassword())}`)
      await c.query(`ALTER ROLE ${READER_ROLE} PASSWORD ${c.escapeLiteral(db.readerPassword())}`)
      if (result.version >= 51) await c.query(`ALTER ROLE ${BACKUP_ROLE} PASSWORD ${c.escapeLiteral(ensureSecret(db.secretStore, BACKUP_PASSWORD_SECRET))}`)
      await c.query('RESET pg_stat_statements.track_utility')
      // The runner's own table predates 0001's default grants; the wizard's pre-flight reads it.
      await c.query(`GRANT SELECT ON console.schema_migrations TO ${APP_ROLE}`)
      if (result.applied.length)
        await c.query(
          `INSERT INTO console.audit_log (seq, ts, username, action, target_type, target_key, after, client, segment, prev_hash, hash)
           VALUES (0, now(), 'system', 'schema.migrate', 'color', $1, $2, 'system', $3, '', '')`,
          [color, JSON.stringify({ applied: result.applied, version: result.version }), segment]
        )
      return result
    })
  } catch (e) {
    if (e instanceof MigrationError) throw new StackError('MIGRATION_FAILED', e.message, e.fix)
    throw e
  }
}

/** After the colors are prepared: PgBouncer learns the application roles' passwords. */
export async function preparePgbouncer(db: Database, stack: StackService): Promise<void> {
  await stack.setPgbouncerUsers([
    { user: APP_ROLE, password: db.appPassword() },
    { user: READER_ROLE, password: db.readerPassword() }
  ])
}

export function loadMigrations(sqlDir: string): Migration[] {
  try {
    return readMigrations(sqlDir)
  } catch (e) {
    if (e instanceof MigrationError) throw new StackError('MIGRATION_FAILED', e.message, e.fix)
    throw e
  }
}
