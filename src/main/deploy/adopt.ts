import type { Actor } from '../db/database'
import type { JobContext } from '../jobs/job-manager'
import { ENDPOINTS, type Endpoint } from '../openfda/endpoints'
import { StackError } from '../stack/stack-error'
import { measureContent, writeExpectations } from './content'
import { other, type DeployService } from './deploy-service'
import { replicateOperatorTables } from './prepare'

/** What a backup restore into the standby hands to the blue-green flow. */
export interface RestoredStandby {
  restoreId: string
  backupId: string
  targetTime: string
  /** Endpoints whose restored rows and digest equal the backup manifest's (no change replayed past the base backup). */
  matchesManifest: Endpoint[]
}

/**
 * Takes over a standby that a backup restore (not a prepare) produced, so `deploy verify` and
 * `deploy promote` treat it like a prepared one: the operator tables follow the live color by
 * logical replication (as prepare sets up), and the expectation is what the restore vouched for at
 * the end of recovery, after its integrity checks passed. Per endpoint the source says whether the
 * backup manifest's rows and digest confirmed it (`backup:<id>`) or WAL replay past the base backup
 * moved it (`restore:<id>@<time>`). From then on any change to the standby's data shows as a
 * failing content guardrail.
 */
export async function adoptRestoredStandby(d: DeployService, r: RestoredStandby, actor: Actor, ctx: JobContext): Promise<string> {
  const live = await d.live()
  if (!live) throw new StackError('DATABASE_UNAVAILABLE', 'PgBouncer is not reachable, so the live color is unknown.', 'Start the stack (`fda-offline stack up`).')
  d.refuseWhileSwitching()
  const standby = other(live)
  ctx.report({ phase: 'hand-off', message: `${standby.toUpperCase()}: replicating operator tables from ${live.toUpperCase()}, recording the expectation` })
  await replicateOperatorTables(d, live, standby, (m) => ctx.report({ phase: 'hand-off', message: m }))
  const content = await d.db.admin(standby, async (c) => {
    const measured = await measureContent(c, ENDPOINTS)
    await c.query('BEGIN')
    try {
      await c.query('DELETE FROM console.deploy_expectations')
      for (const x of measured)
        await writeExpectations(c, [x], r.matchesManifest.includes(x.endpoint) ? `backup:${r.backupId}` : `restore:${r.restoreId}@${r.targetTime}`)
      await c.query('COMMIT')
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {})
      throw e
    }
    return measured
  })
  const at = new Date().toISOString()
  d.state.update((s) => {
    s.prepared = { color: standby, at, by: actor.username, method: 'restore' }
    if (s.warm?.color === standby) s.warm = null // its data was replaced: there is nothing warm to roll back to
  })
  await d.audit.record(actor, {
    action: 'deploy.adopt-restore', targetType: 'color', targetKey: standby,
    after: { from: live, restore: r.restoreId, backup: r.backupId, targetTime: r.targetTime, matchesManifest: r.matchesManifest, expectations: content }
  })
  const rows = content.reduce((n, x) => n + x.rows, 0)
  return `${standby.toUpperCase()} handed to blue-green: operator tables replicate ${live.toUpperCase()} → ${standby.toUpperCase()}; expectation ${rows} records (${r.matchesManifest.length} of ${ENDPOINTS.length} endpoints confirmed by the manifest)`
}
