import { signEntry } from '../../audit/signatures'
import { describePublicKey, publicOf } from '../../backup/pgp'
import { nextRuns, startScheduled } from '../../backup/scheduler'
import { S3_ACCESS_KEY_SECRET, S3_SECRET_KEY_SECRET, PRIVATE_KEY_SECRET } from '../../backup/store'
import { StackError } from '../../stack/stack-error'
import { api, requireSession } from '../api'
import { actorOf } from '../auth'

const invalid = (e: unknown, fix: string): never => {
  throw new StackError('INVALID_REQUEST', (e as Error).message, fix)
}

/** Handlers of the backup area (issue #7). */
export const backupRoutes = {
  catalog: api.backup.catalog.handler(({ context }) => context.services.backup.catalog()),
  config: api.backup.config.handler(async ({ context }) => {
    const b = context.services.backup
    const cfg = b.config()
    const own = context.services.secrets.get(PRIVATE_KEY_SECRET)
    const keys = own ? [await publicOf(own), ...cfg.recipients] : cfg.recipients
    return {
      ...cfg,
      recipients: await Promise.all(keys.map(async (r) => {
        const k = await describePublicKey(r)
        return { fingerprint: k.fingerprint, userIds: k.userIds }
      })),
      privateKeyPresent: Boolean(context.services.secrets.get(PRIVATE_KEY_SECRET)),
      destinationDescription: b.store.destination().describe
    }
  }),
  run: api.backup.run.handler(({ input, context }) => {
    const s = context.services
    const actor = actorOf(context, context.session)
    if (input.type === 'wal')
      return s.jobs.start('backup-wal', 'Ship archived WAL now', async (ctx) => {
        const m = await s.backup.shipWal(actor, ctx)
        return m ? `${m.walSegments.length} WAL files shipped as ${m.id}` : 'nothing new to ship'
      })
    return startScheduled(s, input.type, actor, input.verify)
  }),
  verify: api.backup.verify.handler(({ input, context }) => {
    const s = context.services
    const actor = actorOf(context, context.session)
    return s.jobs.start('backup-verify', `Verify backup ${input.id}`, async (ctx) => {
      const r = await s.backup.verify(input.id, actor, ctx)
      if (!r.ok) throw new Error(`backup ${input.id} does not verify: ${r.checks.filter((c) => !c.ok).map((c) => c.detail).join('; ')}`)
      return `backup ${input.id} verified: ${r.checks.map((c) => c.detail).join('; ')}`
    })
  }),
  drill: api.backup.drill.handler(({ input, context }) => {
    const s = context.services
    const actor = actorOf(context, context.session)
    return s.jobs.start('backup-drill', `Restore drill${input.id ? ` of ${input.id}` : ''}`, async (ctx) => {
      const r = await s.backup.drill({ id: input.id }, actor, ctx)
      if (!r.ok) throw new Error(`drill of ${r.backupId} failed: ${r.checks.filter((c) => !c.ok).map((c) => c.detail).join('; ')}`)
      return `drill of ${r.backupId}: RTO ${r.rtoSeconds.toFixed(1)} s; ${r.checks.length} checks pass`
    })
  }),
  drills: api.backup.drills.handler(({ context }) => context.services.backup.store.drills().slice().reverse()),
  restore: api.backup.restore.handler(async ({ input, context }) => {
    const s = context.services
    const session = requireSession(context.session)
    const actor = actorOf(context, session)
    const t = new Date(input.time)
    if (Number.isNaN(t.getTime())) throw new StackError('INVALID_REQUEST', `${input.time} is not a time.`, 'Give an ISO 8601 time such as 2026-11-29T10:15:00Z.')
    // The request is recorded and signed (meaning: responsibility) before anything is touched.
    const request = await s.audit.record(actor, { action: 'backup.restore.request', targetType: 'restore', targetKey: input.into, after: { time: t.toISOString(), into: input.into }, reason: input.comment ?? null })
    const sig = await signEntry(s, session, { seq: request.seq, meaning: 'responsibility', username: input.username, password: input.password, comment: input.comment }, s.host)
    const job = s.jobs.start('backup-restore', `Restore ${t.toISOString()} into ${input.into.toUpperCase()}`, async (ctx) => {
      const r = input.into === 'green'
        ? await s.backup.restoreIntoGreen(t.toISOString(), actor, ctx)
        : await s.backup.drill({ time: t.toISOString(), keep: true, kind: 'restore' }, actor, ctx)
      const where = input.into === 'green' ? 'GREEN (promote it through the blue-green flow to serve clients)' : `the scratch container on 127.0.0.1:${s.backup.config().scratchPort}`
      return `restored ${r.targetTime} from ${r.backupId} into ${where}; RTO ${r.rtoSeconds.toFixed(1)} s; newest transaction ${r.lastRestoredAt ?? 'unknown'}`
    })
    return { ...job, signatureSeq: sig.signatureSeq }
  }),
  prune: api.backup.prune.handler(({ input, context }) => context.services.backup.prune(actorOf(context, context.session), input.dryRun)),
  setSchedule: api.backup.setSchedule.handler(async ({ input, context }) => {
    const s = context.services
    if (input.cron) nextRuns(input.cron, 1)
    const cfg = s.backup.config()
    const before = cfg.schedules[input.kind]
    s.backup.store.saveConfig({ ...cfg, schedules: { ...cfg.schedules, [input.kind]: input.cron } })
    await s.audit.record(actorOf(context, context.session), { action: 'backup.schedule', targetType: 'schedule', targetKey: input.kind, before: { cron: before }, after: { cron: input.cron } })
    return { ok: true as const }
  }),
  previewSchedule: api.backup.previewSchedule.handler(({ input }) => ({ next: nextRuns(input.cron, input.count) })),
  setRetention: api.backup.setRetention.handler(async ({ input, context }) => {
    const s = context.services
    const cfg = s.backup.config()
    s.backup.store.saveConfig({ ...cfg, retention: input })
    await s.audit.record(actorOf(context, context.session), { action: 'backup.retention', targetType: 'retention', targetKey: 'policy', before: cfg.retention, after: input })
    return { ok: true as const }
  }),
  setDestination: api.backup.setDestination.handler(async ({ input, context }) => {
    const s = context.services
    const cfg = s.backup.config()
    if (input.accessKeyId) s.backup.store.setSecret(S3_ACCESS_KEY_SECRET, input.accessKeyId)
    if (input.secretAccessKey) s.backup.store.setSecret(S3_SECRET_KEY_SECRET, input.secretAccessKey)
    s.backup.store.saveConfig({ ...cfg, destination: input.destination })
    try {
      await s.backup.store.destination().check()
    } catch (e) {
      s.backup.store.saveConfig(cfg)
      invalid(e, 'Check the endpoint, bucket and credentials; the previous destination is kept.')
    }
    await s.audit.record(actorOf(context, context.session), { action: 'backup.destination', targetType: 'destination', targetKey: input.destination.kind, before: cfg.destination, after: input.destination })
    return { ok: true as const }
  }),
  addRecipient: api.backup.addRecipient.handler(async ({ input, context }) => {
    const s = context.services
    const info = await describePublicKey(input.armoredPublicKey).catch((e) => invalid(e, 'Paste an ASCII-armored OpenPGP public key (gpg --armor --export KEYID).'))
    const cfg = s.backup.config()
    s.backup.store.saveConfig({ ...cfg, recipients: [...cfg.recipients, input.armoredPublicKey] })
    await s.audit.record(actorOf(context, context.session), { action: 'backup.recipient', targetType: 'recipient', targetKey: info.fingerprint, after: { userIds: info.userIds } })
    return { fingerprint: info.fingerprint }
  })
}
