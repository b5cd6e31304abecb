import { userInfo } from 'node:os'
import type { Policy } from '../../shared/contract'
import type { Actor } from '../db/database'
import { StackError } from '../stack/stack-error'
import { ROLE_RANK, type Session } from '../users/user-service'
import type { Services } from './services'

/** The caller's sign-in: a session token (cookie, MessagePort state or CLI token) and what it resolved to. */
export interface AuthHolder {
  token: string | null
  session?: Session | null
}

export interface ApiContext {
  services: Services
  auth: AuthHolder
  /** Server mode: sets or clears the HttpOnly session cookie. */
  setSessionCookie?: (token: string | null) => void
}

/** Resolves the token on every call (it may have been revoked or its account disabled meanwhile). */
export async function currentSession(ctx: ApiContext): Promise<{ session: Session | null; databaseReachable: boolean }> {
  if (!ctx.auth.token) return { session: null, databaseReachable: await reachable(ctx) }
  try {
    const session = await ctx.services.users.resolve(ctx.auth.token)
    ctx.auth.session = session
    return { session, databaseReachable: true }
  } catch {
    return { session: null, databaseReachable: false }
  }
}

async function reachable(ctx: ApiContext): Promise<boolean> {
  try {
    await ctx.services.db.app().query('SELECT 1')
    return true
  } catch {
    return false
  }
}

/** null while the database is unreachable. */
export async function usersExist(ctx: ApiContext): Promise<boolean | null> {
  try {
    return (await ctx.services.users.count()) > 0
  } catch {
    return null
  }
}

/**
 * Enforces a procedure's policy. Bootstrap procedures (start the stack, status, job progress) are
 * also open while no user exists yet or the database is down: there is nobody to sign in as.
 */
export async function authorize(ctx: ApiContext, policy: Policy): Promise<Session | null> {
  if (policy.role === 'public') return ctx.auth.token ? (await currentSession(ctx)).session : null
  const { session } = await currentSession(ctx)
  if (session) {
    if (session.mustChangePassword)
      throw new StackError('FORBIDDEN', 'Your password has expired or was reset.', 'Change your password first.')
    if (ROLE_RANK[session.user.role] < ROLE_RANK[policy.role])
      throw new StackError('FORBIDDEN', `This needs the ${policy.role} role; ${session.user.username} is ${session.user.role}.`, 'Ask an administrator.')
    return session
  }
  const exist = await usersExist(ctx)
  if (policy.bootstrap && exist !== true) return null
  if (exist === false)
    throw new StackError(
      'UNAUTHENTICATED',
      'No console user exists yet, and this needs a signed-in user.',
      ctx.services.host === 'cli'
        ? 'Create the first administrator: `fda-offline users create-first-admin --username NAME --printed-name "Full Name"` (password on standard input).'
        : 'Create the first administrator on the sign-in screen.'
    )
  throw new StackError(
    'UNAUTHENTICATED',
    'Sign in first.',
    ctx.services.host === 'cli' ? 'Pass --user NAME --password-stdin, or --token TOKEN (from `fda-offline auth token`).' : 'Sign in with your user name and password.'
  )
}

/** Who acts, for the audit trail: the signed-in user, or (bootstrap) the operating-system account. */
export function actorOf(ctx: ApiContext, session: Session | null, reason?: string): Actor {
  const client = ctx.services.host
  if (session) return { userId: session.user.id, username: session.user.username, client, reason }
  let os = 'unknown'
  try {
    os = userInfo().username
  } catch {
    /* no passwd entry */
  }
  return { userId: null, username: `os:${os}`, client, reason }
}
