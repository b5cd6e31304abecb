import { oc } from '@orpc/contract'
import { z } from 'zod'
import { apiErrors } from './errors'

/**
 * Who may call a procedure. `bootstrap`: also allowed without signing in while no user exists yet or
 * the database is down (so a fresh or stopped stack can be started and inspected on this machine).
 */
export interface Policy {
  role: 'public' | 'viewer' | 'operator' | 'admin'
  bootstrap?: boolean
}
export const base = oc.$meta<Policy>({ role: 'viewer' }).errors(apiErrors)
export const Ok = z.object({ ok: z.literal(true) })
