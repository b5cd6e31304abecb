import { implement } from '@orpc/server'
import { contract, type Policy } from '../../shared/contract'
import { JobNotFoundError } from '../jobs/job-manager'
import { StackError } from '../stack/stack-error'
import type { Session } from '../users/user-service'
import { authorize, type ApiContext } from './auth'

const os = implement(contract).$context<ApiContext>()

/** Maps service errors onto the contract's typed errors; anything else stays an internal error. */
const typedErrors = os.middleware(async ({ next, errors }) => {
  try {
    return await next()
  } catch (e) {
    if (e instanceof StackError) throw errors[e.code]({ message: e.message, data: { fix: e.fix } })
    if (e instanceof JobNotFoundError)
      throw errors.JOB_NOT_FOUND({ message: e.message, data: { fix: 'List jobs with `fda-offline jobs list`.' } })
    throw e
  }
})

/** Every procedure's policy (contract meta) is enforced here; handlers get the session. */
const authorized = os.middleware(async ({ context, procedure, next }) => {
  const session = await authorize(context, procedure['~orpc'].meta as Policy)
  return next({ context: { session } })
})

/** The implementer every handler is built from: typed errors and the policy check come first. */
export const api = os.use(typedErrors).use(authorized)

export const requireSession = (session: Session | null): Session => {
  if (!session) throw new StackError('UNAUTHENTICATED', 'Sign in first.', 'Sign in with your user name and password.')
  return session
}

