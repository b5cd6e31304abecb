import { benchStore, startBenchJob } from '../../bench/suite/bench-job'
import { BENCHMARKS } from '../../bench/suite/registry'
import { StackError } from '../../stack/stack-error'
import { api } from '../api'
import { actorOf } from '../auth'

export const benchRoutes = {
  list: api.bench.list.handler(({ input, context }) => {
    const { runs, unreadable } = benchStore(context.services).list(input.limit)
    return { benchmarks: BENCHMARKS.map((b) => ({ name: b.name, title: b.title, compares: b.compares, available: b.available, reason: b.reason ?? null })), runs, unreadable }
  }),
  get: api.bench.get.handler(({ input, context }) => {
    try {
      return benchStore(context.services).get(input.id)
    } catch (e) {
      throw new StackError('INVALID_REQUEST', (e as Error).message, 'Pick a run from the list of stored runs.')
    }
  }),
  start: api.bench.start.handler(async ({ input, context }) => {
    const s = context.services
    const job = startBenchJob(s, input)
    // Benchmarks run on stacks of their own and never touch the mirror; the trail still says who ran one.
    await s.audit
      .record(actorOf(context, context.session), { action: 'bench.start', targetType: 'bench', targetKey: job.id, after: { quick: input.quick, only: input.only } })
      .catch(() => {})
    return job
  })
}
