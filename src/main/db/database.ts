import type pg from 'pg'
import type { Color } from '../../shared/schemas'
import { ensureSecret, type SecretStore } from '../config/secrets'
import type { StackService } from '../stack/stack-service'
import { createPool, withClient } from './connection'

export const APP_ROLE = 'fda_app'
export const READER_ROLE = 'fda_reader'
export const APP_PASSWORD_SECRET = 'db.appPassword'
export const READER_PASSWORD_SECRET = 'db.readerPassword'
export const CHECKSUM_KEY_SECRET = 'db.checksumKey'
/** Logical backups: reads everything (pg_read_all_data), writes nothing (sql/0051). */
export const BACKUP_ROLE = 'fda_backup'
export const BACKUP_PASSWORD_SECRET = 'db.backupPassword'

/** Who does something, for the audit trail: set on every transaction that changes anything. */
export interface Actor {
  userId: number | null
  username: string
  client: 'desktop' | 'server' | 'cli' | 'system'
  reason?: string | null
}

/**
 * The data layer's connections. Application work goes through PgBouncer as fda_app (never a
 * superuser); schema changes and role management go directly to a color as the admin role.
 */
export class Database {
  private appPool: pg.Pool | null = null
  private bulkPool: pg.Pool | null = null

  constructor(
    private readonly stack: StackService,
    private readonly secrets: SecretStore
  ) {}

  /** For role passwords the console generates (e.g. fda_backup's). */
  get secretStore(): SecretStore {
    return this.secrets
  }

  appPassword(): string {
    return ensureSecret(this.secrets, APP_PASSWORD_SECRET)
  }
  readerPassword(): string {
    return ensureSecret(this.secrets, READER_PASSWORD_SECRET)
  }
  checksumKey(): string {
    return ensureSecret(this.secrets, CHECKSUM_KEY_SECRET)
  }

  /** Clients through PgBouncer as the application role, with statement timeouts. */
  app(): pg.Pool {
    if (!this.appPool) {
      const t = this.stack.target('pgbouncer')
      this.appPool = createPool({ ...t, user: APP_ROLE, password: this.appPassword() }, { viaPgbouncer: true, max: 10 })
      this.appPool.on('error', () => {}) // an idle client losing its server must not crash the console
    }
    return this.appPool
  }

  /** Long-running bulk work (loads, verification): through PgBouncer, no client-side timeout. */
  bulk(): pg.Pool {
    if (!this.bulkPool) {
      const t = this.stack.target('pgbouncer')
      this.bulkPool = createPool({ ...t, user: APP_ROLE, password: this.appPassword() }, { viaPgbouncer: true, max: 2, statementTimeoutMs: 0 })
      this.bulkPool.on('error', () => {})
    }
    return this.bulkPool
  }

  /** A direct admin connection to one color (migrations, roles, verification as the owner). */
  admin<T>(color: Color, fn: (c: pg.Client) => Promise<T>): Promise<T> {
    return withClient(this.stack.target(color), fn, 5_000)
  }

  /** A direct admin connection to the live color (the one PgBouncer points at; BLUE when unknown). */
  async adminLive<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    return this.admin((await this.stack.liveColor()) ?? 'blue', fn)
  }

  /**
   * A transaction that tells the audit triggers who acts (SET LOCAL, so it works through PgBouncer's
   * transaction pooling and never leaks to the next client of the same server connection).
   */
  async tx<T>(actor: Actor, fn: (c: pg.PoolClient) => Promise<T>, pool: pg.Pool = this.app()): Promise<T> {
    return this.transaction(async (client) => {
      await client.query(
        "SELECT set_config('fda.user_id', $1, true), set_config('fda.username', $2, true), set_config('fda.client', $3, true), set_config('fda.reason', $4, true)",
        [actor.userId === null ? '' : String(actor.userId), actor.username, actor.client, actor.reason ?? '']
      )
      return fn(client)
    }, pool)
  }

  /** BEGIN … COMMIT on one pooled connection, ROLLBACK on any error. */
  async transaction<T>(fn: (c: pg.PoolClient) => Promise<T>, pool: pg.Pool = this.app()): Promise<T> {
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      const result = await fn(client)
      await client.query('COMMIT')
      return result
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {})
      throw e
    } finally {
      client.release()
    }
  }

  async close(): Promise<void> {
    await this.appPool?.end().catch(() => {})
    await this.bulkPool?.end().catch(() => {})
    this.appPool = null
    this.bulkPool = null
  }
}
