import type { Color } from '../../shared/schemas'
import type { Actor } from '../db/database'
import { loadMigrations, prepareColor, preparePgbouncer } from '../db/prepare'
import type { JobContext } from '../jobs/job-manager'
import { loadSamples } from '../openfda/samples'
import type { Services } from './services'
import { ensureStackTls } from './stack-tls'

/** stack up, then every color's schema and roles, then PgBouncer's users; audited. */
export async function bringStackUp(s: Services, opts: { green: boolean; samples: boolean }, actor: Actor, ctx: JobContext): Promise<string> {
  const message = await s.stack.up(opts, ctx)
  await ensureStackTls(s, ctx)
  await prepareRunningDatabases(s, ctx)
  await s.audit.record(actor, { action: 'stack.up', targetType: 'stack', targetKey: s.settings.stackName, after: { green: opts.green, ports: s.settings.ports } })
  if (opts.samples && (await s.records.isEmpty())) return `${message}; ${await loadSamples(s.records, s.resourcesDir, actor, ctx)}`
  return message
}

/** Applies migrations to every running color and syncs PgBouncer; also run when a console starts. */
export async function prepareRunningDatabases(s: Services, ctx?: JobContext): Promise<Color[]> {
  const migrations = loadMigrations(s.sqlDir)
  const colors = await s.stack.runningColors()
  const live = await s.stack.liveColor()
  for (const color of colors) {
    ctx?.report({ phase: 'schema', message: `applying migrations to ${color.toUpperCase()}` })
    // The standby records its own migrations in a segment of its own: the main chain arrives there by replication.
    const r = await prepareColor(s.db, color, migrations, live && color !== live ? `standby-${color}` : 'main')
    ctx?.report({ phase: 'schema', message: `${color.toUpperCase()} at schema version ${r.version}${r.applied.length ? ` (applied ${r.applied.join(', ')})` : ''}` })
  }
  if (colors.length) await preparePgbouncer(s.db, s.stack)
  // A blue-green switch that a crash left half-done is settled at start-up (and reported on the Blue-Green screen).
  if (colors.length) await s.deploy.recover().catch(() => null)
  return colors
}

export async function takeStackDown(s: Services, opts: { volumes: boolean }, actor: Actor, ctx: JobContext): Promise<string> {
  // Written before the stop: afterwards there is no database to write to. (With --volumes the
  // trail goes with the data; backups keep earlier copies.)
  await s.audit
    .record(actor, { action: 'stack.down', targetType: 'stack', targetKey: s.settings.stackName, after: { volumes: opts.volumes } })
    .catch(() => ctx.report({ message: 'the database is not reachable: this stop is not in the audit trail' }))
  await s.db.close()
  const message = await s.stack.down(opts, ctx)
  if (opts.volumes) s.stack.tls.clear() // new volumes start without TLS until the next stack up
  return message
}
