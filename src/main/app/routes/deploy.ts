import { signEntry } from '../../audit/signatures'
import type { Color } from '../../../shared/schemas'
import { api, requireSession } from '../api'
import { actorOf, type ApiContext } from '../auth'

type SwitchKind = 'promote' | 'rollback'

/**
 * A promotion or rollback: guardrails first (an admin may override with a reason), then the
 * request entry signed by the person (meaning: approval; a wrong password counts toward lockout),
 * then the switch as a job.
 */
async function startSwitch(kind: SwitchKind, input: { username: string; password: string; overrideReason?: string }, context: ApiContext & { session: unknown }) {
  const s = context.services
  const session = requireSession((context as { session: Parameters<typeof requireSession>[0] }).session)
  const actor = actorOf(context, session)
  const reason = input.overrideReason ?? null
  const pre = await s.deploy.precheck(kind, reason, session.user.role === 'admin')
  const failing = pre.guardrails.filter((g) => !g.ok)
  const entry = await s.audit.record(actor, {
    action: `deploy.${kind}.request`, targetType: 'color', targetKey: pre.to, reason,
    after: { from: pre.from, to: pre.to, guardrails: pre.guardrails.map((g) => ({ id: g.id, ok: g.ok, detail: g.detail })), override: failing.length ? reason : null }
  })
  const sig = await signEntry(s, session, {
    seq: entry.seq, meaning: 'approval', username: input.username, password: input.password,
    comment: failing.length ? `override of ${failing.map((g) => g.id).join(', ')}: ${reason}` : `${kind} ${pre.from} → ${pre.to}`
  }, s.host)
  const T = pre.to.toUpperCase()
  return s.jobs.start(`deploy-${kind}`, `${kind === 'promote' ? 'Promote' : 'Roll back to'} ${T}`, async (ctx) => {
    const rec = await s.deploy.switchTo(kind, pre.from as Color, pre.to as Color, actor, sig.signatureSeq, failing.length ? reason : null, ctx)
    const line = `${T} is live (pause ${rec.pauseMs} ms, signed by ${sig.printedName})${rec.message ? `; ${rec.message}` : ''}`
    if (kind === 'promote') {
      const auto = await s.deploy.probeAndMaybeRollBack(rec, ctx)
      if (auto) throw new Error(auto)
    }
    return line
  })
}

export const deployRoutes = {
  status: api.deploy.status.handler(({ input, context }) => context.services.deploy.status(input.content)),
  verify: api.deploy.verify.handler(({ context }) => context.services.deploy.verify()),
  prepare: api.deploy.prepare.handler(({ context }) => {
    const s = context.services
    const actor = actorOf(context, context.session)
    return s.jobs.start('deploy-prepare', 'Prepare the standby color from the live one', (ctx) => s.deploy.prepare(actor, ctx))
  }),
  promote: api.deploy.promote.handler(({ input, context }) => startSwitch('promote', input, context)),
  rollback: api.deploy.rollback.handler(({ input, context }) => startSwitch('rollback', input, context)),
  retire: api.deploy.retire.handler(async ({ input, context }) => {
    const s = context.services
    const session = requireSession(context.session)
    const actor = actorOf(context, session)
    const live = await s.deploy.live()
    const entry = await s.audit.record(actor, { action: 'deploy.retire.request', targetType: 'color', targetKey: live === 'blue' ? 'green' : 'blue', after: { live } })
    await signEntry(s, session, { seq: entry.seq, meaning: 'approval', username: input.username, password: input.password, comment: 'retire the previous color' }, s.host)
    return s.jobs.start('deploy-retire', 'Retire the previous color', (ctx) => s.deploy.retire(actor, ctx))
  }),
  recover: api.deploy.recover.handler(async ({ context }) => ({ message: await context.services.deploy.recover() })),
  history: api.deploy.history.handler(({ context }) => context.services.deploy.state.read().switches)
}
