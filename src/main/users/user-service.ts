import { createHash, randomBytes } from 'node:crypto'
import type pg from 'pg'
import type { AuditService } from '../audit/audit-service'
import type { Actor, Database } from '../db/database'
import { StackError } from '../stack/stack-error'
import { hashPassword, verifyNobody, verifyPassword } from './passwords'

export type Role = 'viewer' | 'operator' | 'admin'
export const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 }
export type Client = Actor['client']

export interface User {
  id: number
  username: string
  printedName: string
  role: Role
  disabled: boolean
  locked: boolean
  mustChangePassword: boolean
  passwordChangedAt: string
  lastLoginAt: string | null
  createdAt: string
}

export interface Session {
  user: User
  token: string
  expiresAt: string
  /** Password expired or reset by an admin: only changing it is allowed. */
  mustChangePassword: boolean
}

interface UserRow {
  id: string
  username: string
  printed_name: string
  role: Role
  password_hash: string
  password_changed_at: Date
  must_change_password: boolean
  failed_logins: number
  locked_at: Date | null
  disabled_at: Date | null
  created_at: Date
  last_login_at: Date | null
}

const toUser = (r: UserRow): User => ({
  id: Number(r.id), username: r.username, printedName: r.printed_name, role: r.role, disabled: r.disabled_at !== null,
  locked: r.locked_at !== null, mustChangePassword: r.must_change_password, passwordChangedAt: r.password_changed_at.toISOString(),
  lastLoginAt: r.last_login_at?.toISOString() ?? null, createdAt: r.created_at.toISOString()
})

const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex')
const fail = (code: 'LOGIN_FAILED' | 'ACCOUNT_LOCKED' | 'INVALID_REQUEST' | 'FORBIDDEN', message: string, fix: string): never => {
  throw new StackError(code, message, fix)
}

export interface AuthSettings {
  maxFailedLogins: number
  passwordMaxAgeDays: number
  passwordMinLength: number
  sessionIdleMinutes: number
}

/**
 * Console users (21 CFR Part 11 §11.100, §11.300): unique ids never reused (disable, never delete),
 * argon2id hashes, roles, lockout after repeated failures, password aging, sessions and CLI tokens.
 * Every change and every sign-in attempt is in the audit trail.
 */
export class UserService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditService
  ) {}

  private systemActor(client: Client, username = 'system'): Actor {
    return { userId: null, username, client }
  }

  async settings(q: pg.ClientBase | pg.Pool = this.db.app()): Promise<AuthSettings> {
    const r = await q.query<{ key: string; value: number }>("SELECT key, value FROM console.settings WHERE key LIKE 'auth.%'")
    const v = Object.fromEntries(r.rows.map((x) => [x.key.slice(5), Number(x.value)]))
    return {
      maxFailedLogins: v.maxFailedLogins ?? 5, passwordMaxAgeDays: v.passwordMaxAgeDays ?? 90,
      passwordMinLength: v.passwordMinLength ?? 12, sessionIdleMinutes: v.sessionIdleMinutes ?? 30
    }
  }

  async count(): Promise<number> {
    const r = await this.db.app().query<{ n: string }>('SELECT count(*) AS n FROM console.users')
    return Number(r.rows[0].n)
  }

  async list(): Promise<User[]> {
    const r = await this.db.app().query<UserRow>('SELECT * FROM console.users ORDER BY id')
    return r.rows.map(toUser)
  }

  private async checkPassword(q: pg.ClientBase, password: string, username: string): Promise<void> {
    const s = await this.settings(q)
    if (password.length < s.passwordMinLength)
      fail('INVALID_REQUEST', `The password is too short (${password.length} characters; at least ${s.passwordMinLength}).`, 'Choose a longer password; a passphrase of several words works well.')
    if (password.toLowerCase().includes(username.toLowerCase()))
      fail('INVALID_REQUEST', 'The password contains the user name.', 'Choose a password that does not contain your user name.')
  }

  /** First run: the first administrator, only while there is no user at all. */
  async createFirstAdmin(input: { username: string; printedName: string; password: string }, client: Client): Promise<User> {
    return this.db.tx(this.systemActor(client, input.username), async (c) => {
      await c.query('LOCK TABLE console.users IN EXCLUSIVE MODE') // two first-run screens must not both win
      const n = await c.query<{ n: string }>('SELECT count(*) AS n FROM console.users')
      if (Number(n.rows[0].n) > 0) fail('FORBIDDEN', 'The first administrator already exists.', 'Sign in, or ask an administrator for an account.')
      const user = await this.insertUser(c, { ...input, role: 'admin' }, null)
      await this.audit.record({ userId: user.id, username: user.username, client }, { action: 'user.create', targetType: 'user', targetKey: user.username, after: { role: 'admin', printedName: user.printedName, firstAdmin: true } }, c)
      return user
    })
  }

  private async insertUser(c: pg.ClientBase, input: { username: string; printedName: string; password: string; role: Role }, by: number | null): Promise<User> {
    const username = input.username.trim().toLowerCase()
    if (!/^[a-z][a-z0-9._-]{1,62}$/.test(username))
      fail('INVALID_REQUEST', `"${input.username}" is not a valid user name.`, 'Use 2–63 characters: a letter first, then letters, digits, dot, dash or underscore.')
    const taken = await c.query('SELECT 1 FROM console.users WHERE lower(username) = $1', [username])
    if (taken.rowCount) fail('INVALID_REQUEST', `The user name ${username} is taken (user names are never reused, even after an account is disabled).`, 'Choose another user name.')
    await this.checkPassword(c, input.password, username)
    const r = await c.query<UserRow>(
      'INSERT INTO console.users (username, printed_name, role, password_hash, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING *',
      [username, input.printedName.trim(), input.role, await hashPassword(input.password), by]
    )
    return toUser(r.rows[0])
  }

  /**
   * Checks a user name and password. Failures are counted and audited; reaching the limit locks
   * the account. Used for sign-in and for re-authentication when signing.
   */
  async authenticate(username: string, password: string, client: Client, purpose: 'login' | 'signature'): Promise<User> {
    const name = username.trim().toLowerCase()
    const s = await this.settings()
    const r = await this.db.app().query<UserRow>('SELECT * FROM console.users WHERE lower(username) = $1', [name])
    const row = r.rows[0]
    const actor: Actor = { userId: row ? Number(row.id) : null, username: name, client }
    if (!row) {
      await verifyNobody(password)
      await this.audit.record(actor, { action: `user.${purpose}_failed`, targetType: 'user', targetKey: name, after: { reason: 'unknown user' } })
      return fail('LOGIN_FAILED', 'Wrong user name or password.', 'Check both and try again.')
    }
    if (row.disabled_at) {
      await this.audit.record(actor, { action: `user.${purpose}_failed`, targetType: 'user', targetKey: name, after: { reason: 'account disabled' } })
      return fail('LOGIN_FAILED', `The account ${name} is disabled.`, 'Ask an administrator.')
    }
    if (row.locked_at) {
      await this.audit.record(actor, { action: `user.${purpose}_failed`, targetType: 'user', targetKey: name, after: { reason: 'account locked' } })
      return fail('ACCOUNT_LOCKED', `The account ${name} is locked after ${s.maxFailedLogins} failed sign-in attempts.`, 'An administrator must reset its password to unlock it.')
    }
    if (!(await verifyPassword(row.password_hash, password))) {
      const { attempts, locked } = await this.db.tx(actor, async (c) => {
        const u = await c.query<{ failed_logins: number; locked: boolean }>(
          `UPDATE console.users SET failed_logins = failed_logins + 1,
                  locked_at = CASE WHEN failed_logins + 1 >= $2 THEN now() ELSE locked_at END
            WHERE id = $1 RETURNING failed_logins, locked_at IS NOT NULL AS locked`,
          [row.id, s.maxFailedLogins]
        )
        const { failed_logins: n, locked: nowLocked } = u.rows[0]
        await this.audit.record(actor, { action: `user.${purpose}_failed`, targetType: 'user', targetKey: name, after: { reason: 'wrong password', attempt: n } }, c)
        if (nowLocked) await this.audit.record(actor, { action: 'user.lock', targetType: 'user', targetKey: name, after: { failedAttempts: n } }, c)
        return { attempts: n, locked: nowLocked }
      })
      if (locked)
        fail('ACCOUNT_LOCKED', `Wrong password. The account ${name} is now locked after ${attempts} failed attempts.`, 'An administrator must reset its password to unlock it.')
      return fail('LOGIN_FAILED', `Wrong user name or password (${attempts} of ${s.maxFailedLogins} attempts before the account locks).`, 'Check both and try again.')
    }
    if (row.failed_logins > 0) await this.db.app().query('UPDATE console.users SET failed_logins = 0 WHERE id = $1', [row.id])
    return toUser({ ...row, failed_logins: 0 })
  }

  async login(username: string, password: string, client: Client, kind: 'session' | 'cli-token' = 'session'): Promise<Session> {
    const user = await this.authenticate(username, password, client, 'login')
    const s = await this.settings()
    const expired = Date.now() - Date.parse(user.passwordChangedAt) > s.passwordMaxAgeDays * 86_400_000
    const token = randomBytes(32).toString('base64url')
    const minutes = kind === 'cli-token' ? 12 * 60 : s.sessionIdleMinutes
    const actor: Actor = { userId: user.id, username: user.username, client }
    const expiresAt = await this.db.tx(actor, async (c) => {
      await c.query('UPDATE console.users SET last_login_at = now() WHERE id = $1', [user.id])
      const r = await c.query<{ expires_at: Date }>(
        `INSERT INTO console.sessions (token_hash, user_id, kind, client, expires_at) VALUES ($1, $2, $3, $4, now() + make_interval(mins => $5)) RETURNING expires_at`,
        [tokenHash(token), user.id, kind, client, minutes]
      )
      await this.audit.record(actor, { action: kind === 'cli-token' ? 'user.token_issue' : 'user.login', targetType: 'user', targetKey: user.username, after: { client, expiresAt: r.rows[0].expires_at.toISOString(), passwordExpired: expired } }, c)
      return r.rows[0].expires_at.toISOString()
    })
    return { user, token, expiresAt, mustChangePassword: user.mustChangePassword || expired }
  }

  /** The signed-in user behind a token, sliding its idle expiry; null when expired, revoked or disabled. */
  async resolve(token: string): Promise<Session | null> {
    const s = await this.settings()
    const r = await this.db.app().query<UserRow & { expires_at: Date; kind: string; last_seen_at: Date; session_id: string }>(
      `SELECT u.*, s.expires_at, s.kind, s.last_seen_at, s.id AS session_id FROM console.sessions s JOIN console.users u ON u.id = s.user_id
        WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.disabled_at IS NULL`,
      [tokenHash(token)]
    )
    const row = r.rows[0]
    if (!row) return null
    let expiresAt = row.expires_at
    if (row.kind === 'session' && Date.now() - row.last_seen_at.getTime() > 30_000) {
      const u = await this.db.app().query<{ expires_at: Date }>(
        'UPDATE console.sessions SET last_seen_at = now(), expires_at = now() + make_interval(mins => $2) WHERE id = $1 RETURNING expires_at',
        [row.session_id, s.sessionIdleMinutes]
      )
      expiresAt = u.rows[0].expires_at
    }
    const user = toUser(row)
    const expired = Date.now() - Date.parse(user.passwordChangedAt) > s.passwordMaxAgeDays * 86_400_000
    return { user, token, expiresAt: expiresAt.toISOString(), mustChangePassword: user.mustChangePassword || expired }
  }

  async logout(session: Session, client: Client): Promise<void> {
    const actor: Actor = { userId: session.user.id, username: session.user.username, client }
    await this.db.tx(actor, async (c) => {
      await c.query('UPDATE console.sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL', [tokenHash(session.token)])
      await this.audit.record(actor, { action: 'user.logout', targetType: 'user', targetKey: session.user.username }, c)
    })
  }

  async changePassword(session: Session, current: string, next: string, client: Client): Promise<void> {
    const user = await this.authenticate(session.user.username, current, client, 'login')
    const actor: Actor = { userId: user.id, username: user.username, client }
    await this.db.tx(actor, async (c) => {
      await this.checkPassword(c, next, user.username)
      const old = await c.query<{ password_hash: string }>('SELECT password_hash FROM console.users WHERE id = $1', [user.id])
      if (await verifyPassword(old.rows[0].password_hash, next)) fail('INVALID_REQUEST', 'The new password is the same as the current one.', 'Choose a different password.')
      await c.query('UPDATE console.users SET password_hash = $2, password_changed_at = now(), must_change_password = false WHERE id = $1', [user.id, await hashPassword(next)])
      await this.audit.record(actor, { action: 'user.password_change', targetType: 'user', targetKey: user.username }, c)
    })
  }

  // ---- administration (admin role; checked by the API layer) ----

  async create(admin: Actor, input: { username: string; printedName: string; password: string; role: Role }): Promise<User> {
    return this.db.tx(admin, async (c) => {
      const user = await this.insertUser(c, input, admin.userId)
      await c.query('UPDATE console.users SET must_change_password = true WHERE id = $1', [user.id])
      await this.audit.record(admin, { action: 'user.create', targetType: 'user', targetKey: user.username, after: { role: user.role, printedName: user.printedName } }, c)
      return { ...user, mustChangePassword: true }
    })
  }

  private async change(admin: Actor, username: string, action: string, apply: (c: pg.PoolClient, before: UserRow) => Promise<{ before: object; after: object }>): Promise<User> {
    return this.db.tx(admin, async (c) => {
      const r = await c.query<UserRow>('SELECT * FROM console.users WHERE lower(username) = $1 FOR UPDATE', [username.toLowerCase()])
      if (!r.rows[0]) fail('INVALID_REQUEST', `There is no user ${username}.`, 'List users with `fda-offline users list`.')
      const diff = await apply(c, r.rows[0])
      await this.audit.record(admin, { action, targetType: 'user', targetKey: r.rows[0].username, ...diff }, c)
      const after = await c.query<UserRow>('SELECT * FROM console.users WHERE id = $1', [r.rows[0].id])
      return toUser(after.rows[0])
    })
  }

  disable(admin: Actor, username: string): Promise<User> {
    return this.change(admin, username, 'user.disable', async (c, u) => {
      if (Number(u.id) === admin.userId) fail('INVALID_REQUEST', 'You cannot disable your own account.', 'Ask another administrator.')
      await c.query('UPDATE console.users SET disabled_at = coalesce(disabled_at, now()) WHERE id = $1', [u.id])
      await c.query('UPDATE console.sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [u.id])
      return { before: { disabled: u.disabled_at !== null }, after: { disabled: true } }
    })
  }

  /** Sets a temporary password the user must change at next sign-in; also unlocks the account. */
  resetPassword(admin: Actor, username: string, temporary: string): Promise<User> {
    return this.change(admin, username, 'user.password_reset', async (c, u) => {
      await this.checkPassword(c, temporary, u.username)
      await c.query(
        'UPDATE console.users SET password_hash = $2, password_changed_at = now(), must_change_password = true, failed_logins = 0, locked_at = NULL WHERE id = $1',
        [u.id, await hashPassword(temporary)]
      )
      return { before: { locked: u.locked_at !== null }, after: { locked: false, mustChangePassword: true } }
    })
  }

  changeRole(admin: Actor, username: string, role: Role): Promise<User> {
    return this.change(admin, username, 'user.role_change', async (c, u) => {
      if (Number(u.id) === admin.userId && role !== 'admin') fail('INVALID_REQUEST', 'You cannot lower your own role.', 'Ask another administrator.')
      await c.query('UPDATE console.users SET role = $2 WHERE id = $1', [u.id, role])
      return { before: { role: u.role }, after: { role } }
    })
  }
}
