import { freshness } from '../../refresh/freshness'
import { readRefreshResult, runRefresh } from '../../refresh/refresh'
import { api } from '../api'
import { actorOf } from '../auth'

export const refreshRoutes = {
  start: api.refresh.start.handler(({ input, context }) => {
    const s = context.services
    const actor = actorOf(context, context.session)
    const what = input.endpoints?.length ? input.endpoints.join(', ') : 'all endpoints'
    return s.jobs.start('refresh', `Refresh ${what} from openFDA`, async (ctx) => {
      const r = await runRefresh(s, { ...input, source: input.source ?? null, manifestUrl: input.manifestUrl ?? null, since: input.since ?? null }, actor, ctx)
      const t = r.endpoints.reduce((a, e) => ({ i: a.i + e.inserted, u: a.u + e.updated, d: a.d + e.deleted }), { i: 0, u: 0, d: 0 })
      return `${r.resumed ? 'resumed run' : 'run'} ${r.runId} into ${r.color.toUpperCase()}: ${t.i} new, ${t.u} updated, ${t.d} deleted`
    })
  }),
  result: api.refresh.result.handler(({ input, context }) => readRefreshResult(context.services.home, input.jobId)),
  freshness: api.refresh.freshness.handler(({ context }) => freshness(context.services.db.app()))
}
