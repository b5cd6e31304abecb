import type { AuditService } from '../audit/audit-service'
import type { Actor, Database } from '../db/database'
import { StackError } from '../stack/stack-error'

/** Settings kept in the database (console.settings), with what each may be. Changes are audited. */
export const CONSOLE_SETTINGS = {
  'auth.maxFailedLogins': { min: 3, max: 10, unit: 'attempts', describe: 'failed sign-ins before an account locks' },
  'auth.passwordMaxAgeDays': { min: 1, max: 3650, unit: 'days', describe: 'password aging: days before a password must be changed' },
  'auth.passwordMinLength': { min: 12, max: 128, unit: 'characters', describe: 'shortest password accepted' },
  'auth.sessionIdleMinutes': { min: 5, max: 720, unit: 'minutes', describe: 'idle time before a session ends' },
  'deploy.warmWindowHours': { min: 0, max: 720, unit: 'hours', describe: 'blue-green: how long the previous color stays warm (and can be rolled back to) after a promotion' },
  'deploy.pauseDeadlineSeconds': { min: 1, max: 30, unit: 'seconds', describe: 'blue-green: longest the pool may stay paused during a switch before it is undone' },
  'deploy.maxTransactionSeconds': { min: 1, max: 3600, unit: 'seconds', describe: 'blue-green: a transaction open longer than this on the live color blocks a switch' },
  'deploy.healthWindowSeconds': { min: 0, max: 600, unit: 'seconds', describe: 'blue-green: health probing after a switch; a failure in this window rolls back automatically' },
  'deploy.minFreeDiskMb': { min: 0, max: 1048576, unit: 'MiB', describe: 'blue-green: free disk the standby must have to be promoted' }
} as const
export type ConsoleSettingKey = keyof typeof CONSOLE_SETTINGS

export class ConsoleSettings {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditService
  ) {}

  async list(): Promise<{ key: string; value: number; describe: string; unit: string; min: number; max: number; updatedAt: string }[]> {
    const r = await this.db.app().query<{ key: string; value: number; updated_at: Date }>('SELECT key, value, updated_at FROM console.settings ORDER BY key')
    return r.rows
      .filter((x) => x.key in CONSOLE_SETTINGS)
      .map((x) => ({ key: x.key, value: Number(x.value), updatedAt: x.updated_at.toISOString(), ...CONSOLE_SETTINGS[x.key as ConsoleSettingKey] }))
  }

  async set(actor: Actor, key: string, value: number): Promise<void> {
    const def = CONSOLE_SETTINGS[key as ConsoleSettingKey]
    if (!def) throw new StackError('INVALID_REQUEST', `There is no setting ${key}.`, `Settings: ${Object.keys(CONSOLE_SETTINGS).join(', ')}.`)
    if (!Number.isInteger(value) || value < def.min || value > def.max)
      throw new StackError('INVALID_REQUEST', `${key} must be a whole number from ${def.min} to ${def.max} ${def.unit}.`, `Choose a value from ${def.min} to ${def.max}.`)
    await this.db.tx(actor, async (c) => {
      const before = await c.query<{ value: number }>('SELECT value FROM console.settings WHERE key = $1 FOR UPDATE', [key])
      await c.query('UPDATE console.settings SET value = $2::jsonb, updated_at = now(), updated_by = $3 WHERE key = $1', [key, JSON.stringify(value), actor.userId])
      await this.audit.record(actor, { action: 'settings.change', targetType: 'setting', targetKey: key, before: { value: before.rows[0]?.value ?? null }, after: { value } }, c)
    })
  }
}
