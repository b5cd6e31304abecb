import { implement } from '@orpc/server'
import { contract } from '../../shared/contract'
import { JobNotFoundError } from '../jobs/job-manager'
import { StackError } from '../stack/stack-error'
import type { Services } from './services'

export interface ApiContext {
  services: Services
}

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

const api = os.use(typedErrors)

export const router = api.router({
  app: {
    info: api.app.info.handler(({ context: { services: s } }) => ({ name: 'FDA Offline Console', version: s.version, host: s.host, home: s.home }))
  },
  status: {
    get: api.status.get.handler(({ context }) => context.services.stack.status())
  },
  stack: {
    up: api.stack.up.handler(({ input, context: { services: s } }) =>
      s.jobs.start('stack-up', input.green ? 'Start BLUE, GREEN and PgBouncer' : 'Start BLUE and PgBouncer', (ctx) => s.stack.up(input, ctx))
    ),
    down: api.stack.down.handler(({ input, context: { services: s } }) =>
      s.jobs.start('stack-down', input.volumes ? 'Remove the stack and its volumes' : 'Stop the stack', (ctx) => s.stack.down(input, ctx))
    ),
    logs: api.stack.logs.handler(async ({ input, context }) => ({ lines: await context.services.stack.logs(input.role, input.tail) }))
  },
  jobs: {
    list: api.jobs.list.handler(({ input, context }) => context.services.jobs.list(input.limit)),
    get: api.jobs.get.handler(({ input, context }) => context.services.jobs.get(input.jobId)),
    watch: api.jobs.watch.handler(async function* ({ input, context, signal }) {
      yield* context.services.jobs.watch(input.jobId, signal)
    }),
    cancel: api.jobs.cancel.handler(({ input, context }) => context.services.jobs.cancel(input.jobId))
  }
})
export type Router = typeof router
