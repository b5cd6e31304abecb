import { Cron } from 'croner'
import type { ScheduleKind } from '../../shared/schemas/backup'
import type { Services } from '../app/services'
import type { Actor } from '../db/database'
import { StackError } from '../stack/stack-error'

/** Cron expressions are read in UTC, like every time the console shows. */
export function nextRuns(expr: string, count: number, from = new Date()): string[] {
  try {
    return new Cron(expr, { paused: true, timezone: 'UTC' }).nextRuns(count, from).map((d) => d.toISOString())
  } catch (e) {
    throw new StackError('INVALID_REQUEST', `"${expr}" is not a cron expression: ${(e as Error).message}.`, 'Use five fields (minute hour day-of-month month day-of-week), e.g. "0 2 * * *" for 02:00 UTC daily.')
  }
}

const SCHEDULER: Actor = { userId: null, username: 'scheduler', client: 'system' }

/** The job that each schedule starts. */
export function startScheduled(s: Services, kind: ScheduleKind, actor: Actor = SCHEDULER, verify = true) {
  switch (kind) {
    case 'base':
    case 'dump':
      return s.jobs.start(`backup-${kind}`, kind === 'base' ? 'Base backup' : 'Logical dump', async (ctx) => {
        const m = kind === 'base' ? await s.backup.base(actor, ctx) : await s.backup.dump(actor, ctx)
        if (!verify) return `${kind} backup ${m.id} stored`
        // Every new backup is verified at once (decrypt, SHA-256, contents), so the calendar can show it verified.
        const r = await s.backup.verify(m.id, actor, ctx)
        if (!r.ok) throw new Error(`backup ${m.id} was stored but does not verify: ${r.checks.filter((c) => !c.ok).map((c) => c.detail).join('; ')}`)
        return `${kind} backup ${m.id} stored and verified (${m.artifacts.reduce((n, a) => n + a.storedBytes, 0)} bytes)`
      })
    case 'drill':
      return s.jobs.start('backup-drill', 'Scheduled restore drill', async (ctx) => {
        const r = await s.backup.drill({}, actor, ctx)
        if (!r.ok) throw new Error(`drill of ${r.backupId} failed: ${r.checks.filter((c) => !c.ok).map((c) => c.detail).join('; ')}`)
        return `drill of ${r.backupId}: RTO ${r.rtoSeconds.toFixed(1)} s, all checks pass`
      })
    case 'wal':
      return s.jobs.start('backup-wal', 'Ship archived WAL', async (ctx) => {
        const m = await s.backup.shipWal(actor, ctx)
        return m ? `${m.walSegments.length} WAL files shipped` : 'nothing new to ship'
      })
  }
}

/**
 * Runs the persisted schedules while the console runs (server mode, desktop). Schedules are re-read
 * every minute, so a change made from another process (the CLI) takes effect without a restart.
 * A run is skipped while the previous run of the same kind is still going.
 */
export function startBackupSchedules(s: Services): { stop(): void } {
  if (process.env.FDA_BACKUP_SCHEDULES === 'off') return { stop() {} }
  const crons = new Map<ScheduleKind, { expr: string; cron: Cron }>()
  const running = new Set<ScheduleKind>()
  const sync = (): void => {
    let schedules: Record<ScheduleKind, string | null>
    try {
      schedules = s.backup.config().schedules
    } catch {
      return
    }
    for (const kind of Object.keys(schedules) as ScheduleKind[]) {
      const expr = schedules[kind]
      const current = crons.get(kind)
      if (current && current.expr === expr) continue
      current?.cron.stop()
      crons.delete(kind)
      if (!expr) continue
      try {
        const cron = new Cron(expr, { timezone: 'UTC', protect: true }, async () => {
          if (running.has(kind)) return
          running.add(kind)
          try {
            // WAL shipping runs every minute: quietly (no job history), audited when it shipped anything.
            if (kind === 'wal') await s.backup.shipWal(SCHEDULER, { jobId: 'scheduled-wal', signal: new AbortController().signal, report: () => {} }).catch(() => null)
            else await s.jobs.wait(startScheduled(s, kind).id)
          } finally {
            running.delete(kind)
          }
        })
        crons.set(kind, { expr, cron })
      } catch {
        // An invalid expression was refused when it was set; one edited by hand is skipped.
      }
    }
  }
  sync()
  const timer = setInterval(sync, 60_000)
  timer.unref()
  return {
    stop() {
      clearInterval(timer)
      for (const c of crons.values()) c.cron.stop()
    }
  }
}
