import type { Color } from '../../shared/schemas'
import type { Actor } from '../db/database'
import type { JobContext } from '../jobs/job-manager'
import { secretFileTar } from '../stack/secret-file'
import { LABEL_STACK, PG_PASSWORD_FILE, postgresContainer, volumeNames } from '../stack/spec'
import { StackError } from '../stack/stack-error'
import { measureContent, writeExpectations } from './content'
import { other, type DeployService } from './deploy-service'
import { connInfo, createSubscription, dropSlotIfExists, dropSubscription, subscriptions, gapAuditSequence, subscriptionName, unsyncedTables } from './replication'

/**
 * Prepare the standby: a physical clone of the live color (pg_basebackup inside the stack: schema,
 * data, roles with their passwords, the audit trail), then logical replication of the operator
 * tables from the live color, and the expectation (the live color's rows and digests at copy time).
 * Chosen over pg_dump/pg_restore after measuring both (docs/BLUE-GREEN.md): the clone copies files
 * at disk speed and needs no index rebuild.
 */
export async function prepareStandby(d: DeployService, actor: Actor, ctx: JobContext): Promise<string> {
  const { stack, docker, audit, db } = d
  // Only the fields given: an undefined field would overwrite the job's last figures.
  const report = (phase: string, message: string, done?: number, total?: number, unit?: string): void =>
    ctx.report({ phase, message, ...(done !== undefined ? { done } : {}), ...(total !== undefined ? { total } : {}), ...(unit ? { unit } : {}) })
  const t0 = Date.now()

  if (d.state.unfinished()) await d.recover()
  d.refuseWhileSwitching()
  const live = await d.live()
  if (!live) throw new StackError('DATABASE_UNAVAILABLE', 'PgBouncer is not reachable, so the live color is unknown.', 'Start the stack (`fda-offline stack up`).')
  const standby: Color = other(live)
  const spec = stack.spec()
  const L = live.toUpperCase()
  const S = standby.toUpperCase()

  // The previous color kept warm for a rollback is not thrown away by a new prepare (unless it is down).
  const st = d.state.read()
  const until = await d.warmUntil()
  if (st.warm?.color === standby && until && Date.parse(until) > Date.now()) {
    const info = await d.container(standby).inspect().catch(() => null)
    if (info?.State.Running)
      throw new StackError('INVALID_REQUEST', `${S} is kept warm for a rollback until ${until}; preparing would replace it.`, `Retire ${S} first (admins, after the window), or roll back to it.`)
  }
  report('standby', `removing the previous ${S} (it is the standby; ${L} is live)`)
  await d.removeStandby(live, standby)

  report('expectation', `measuring ${L}'s rows and digests per endpoint`)
  const expected = await db.admin(live, (c) => measureContent(c))
  const liveBytes = await db.admin(live, async (c) => Number((await c.query<{ n: string }>('SELECT pg_database_size(current_database())::text AS n')).rows[0].n))

  report('clone', `cloning ${L} into ${S} (pg_basebackup)`, 0, liveBytes, 'bytes')
  const create = postgresContainer(spec, standby, stack.target(live).password)
  create.Env = [...(create.Env ?? []), `FDA_CLONE_FROM_PORT=${spec.ports[live]}`]
  await docker.createVolume({ Name: volumeNames(spec.stackName)[standby], Labels: { [LABEL_STACK]: spec.stackName } })
  await docker.createVolume({ Name: volumeNames(spec.stackName).walArchive, Labels: { [LABEL_STACK]: spec.stackName } })
  const ctr = await docker.createContainer(create)
  // The admin password goes in as a root-only file before the first start, as for every color.
  const secret = await secretFileTar(PG_PASSWORD_FILE, stack.target(live).password)
  await ctr.putArchive(secret.tar, { path: secret.at })
  await ctr.start()
  // Progress from the live color's own view of the backup it is serving.
  const deadline = Date.now() + 30 * 60_000
  for (;;) {
    if (ctx.signal.aborted) throw new Error('cancelled')
    const info = await ctr.inspect()
    if (!info.State.Running) throw new StackError('CONTAINER_UNHEALTHY', `${S} stopped while cloning (exit ${info.State.ExitCode}).`, `See \`fda-offline stack logs ${standby}\`.`)
    if (info.State.Health?.Status === 'healthy') break
    const p = await db.admin(live, (c) => c.query<{ streamed: string; total: string | null }>('SELECT backup_streamed::text AS streamed, backup_total::text AS total FROM pg_stat_progress_basebackup')).catch(() => null)
    const row = p?.rows[0]
    if (row) report('clone', `cloning ${L} into ${S}`, Number(row.streamed), row.total ? Number(row.total) : liveBytes, 'bytes')
    else report('clone', `${S} is starting from the copy`)
    if (Date.now() > deadline) throw new StackError('CONTAINER_UNHEALTHY', `${S} was not healthy within the time allowed.`, `See \`fda-offline stack logs ${standby}\`.`)
    await new Promise((r) => setTimeout(r, 500))
  }
  const cloneSeconds = (Date.now() - t0) / 1000

  await replicateOperatorTables(d, live, standby, (m) => report('replication', m))
  await db.admin(standby, async (c) => {
    await c.query('DELETE FROM console.deploy_expectations')
    await writeExpectations(c, expected, `copy:${ctx.jobId}`)
  })
  const at = new Date().toISOString()
  d.state.update((s) => {
    s.prepared = { color: standby, at, by: actor.username, method: 'clone' }
    s.warm = null
  })
  const seconds = (Date.now() - t0) / 1000
  await audit.record(actor, {
    action: 'deploy.prepare', targetType: 'color', targetKey: standby,
    after: { from: live, method: 'pg_basebackup clone', bytes: liveBytes, cloneSeconds, seconds, expectations: expected }
  })
  const rows = expected.reduce((n, x) => n + x.rows, 0)
  return `${S} prepared from ${L} in ${seconds.toFixed(1)} s (clone ${cloneSeconds.toFixed(1)} s, ${(liveBytes / 1048576).toFixed(0)} MiB, ${rows} records); operator tables replicate ${L} → ${S}`
}

/**
 * Makes a running standby follow the live color's operator tables (users, sessions, settings, the
 * main audit chain, the switch marker): its own copies are replaced by the subscription's consistent
 * initial copy, and its audit sequence jumps ahead so its own segments never collide. Used by
 * prepare (after the clone) and by a backup restore into GREEN (after recovery).
 */
export async function replicateOperatorTables(d: DeployService, live: Color, standby: Color, report: (message: string) => void): Promise<void> {
  const { stack, db } = d
  const spec = stack.spec()
  const L = live.toUpperCase()
  const S = standby.toUpperCase()
  report(`operator tables: ${S} subscribes to ${L}`)
  const sub = subscriptionName(live, standby)
  const t = stack.target(live)
  // A slot left on the live color by a standby that was removed without `retire` (a restore replaces GREEN's volume).
  await db.admin(live, async (lc) => {
    // Its walsender may still be serving the removed standby's connection for a moment.
    await lc.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL', [sub])
    for (let i = 0; i < 50; i++) {
      await dropSlotIfExists(lc, sub)
      if (!(await lc.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [sub])).rowCount) return
      await new Promise((r) => setTimeout(r, 200))
    }
    throw new Error(`the replication slot ${sub} on ${L} is still in use`)
  })
  await db.admin(standby, async (c) => {
    // A restored cluster may hold a subscription of its own past (when its color was once the standby).
    for (const x of await subscriptions(c)) await dropSubscription(c, x.name)
    // The copy's operator rows are replaced by the subscription's own consistent initial copy (replica
    // mode: the append-only and chain triggers are the live color's business, not a copy's).
    await c.query('BEGIN')
    await c.query('SET LOCAL session_replication_role = replica')
    await c.query(`DELETE FROM console.sessions; DELETE FROM console.settings; DELETE FROM console.deploy_marker; DELETE FROM console.users; DELETE FROM console.audit_log WHERE segment = 'main'`)
    await c.query('COMMIT')
    await createSubscription(c, sub, connInfo(spec.ports[live], t.user, t.password), { copyData: true, existingSlot: false })
    const until = Date.now() + 120_000
    for (;;) {
      const left = await unsyncedTables(c, sub)
      if (!left.length) break
      if (Date.now() > until) throw new Error(`the initial copy of ${left.join(', ')} did not finish within 2 minutes`)
      report(`initial copy of operator tables: ${left.length} left`)
      await new Promise((r) => setTimeout(r, 250))
    }
    await db.admin(live, (lc) => gapAuditSequence(lc, c))
  })
}
