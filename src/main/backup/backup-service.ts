import { Readable } from 'node:stream'
import type Docker from 'dockerode'
import type { BackupCatalog, BackupConfig, DrillResult, Manifest, RetentionDecision } from '../../shared/schemas/backup'
import type { Services } from '../app/services'
import type { Actor } from '../db/database'
import type { JobContext } from '../jobs/job-manager'
import { containerName, volumeNames } from '../stack/spec'
import { StackError } from '../stack/stack-error'
import { listManifests, manifestKey, readManifest, recoverableRanges } from './catalog'
import { colorContainer, liveColor, type BackupDeps } from './context'
import { endpointFacts, segmentOf } from './facts'
import type { RestoredStandby } from '../deploy/adopt'
import { ENDPOINTS, type Endpoint } from '../openfda/endpoints'
import { decideRetention } from './retention'
import { chooseBase, integrityChecks, lastReplayed, restoreDump, restorePhysical, scratchClient, type RestoreTarget } from './restore'
import { createScratch, removeScratch, waitPromoted } from './scratch'
import { ensureSuccess, execStream, execText } from './exec-stream'
import { BackupStore } from './store'
import { shipWal } from './ship-wal'
import { takeBaseBackup, takeDump } from './take-backup'
import { verifyBackup, type VerifyReport } from './verify'

/** Backups, verification, drills, restores and retention: the service behind the API, CLI and scheduler. */
export class BackupService {
  readonly store: BackupStore
  private readonly deps: BackupDeps
  /**
   * After a restore into GREEN passed its checks: hands GREEN to the blue-green flow (operator-table
   * replication and the expectation the guardrails check; set in app/services.ts to DeployService.adoptRestored).
   */
  standbyHandOff: ((r: RestoredStandby, actor: Actor, ctx: JobContext) => Promise<string>) | null = null

  constructor(s: BackupDeps['s'], docker: Docker) {
    this.store = new BackupStore(s.home, s.secrets)
    this.deps = { s, docker, store: this.store }
  }

  config(): BackupConfig {
    return this.store.config()
  }

  async base(actor: Actor, ctx: JobContext): Promise<Manifest> {
    const m = await takeBaseBackup(this.deps, actor, ctx)
    // The WAL the backup needs (and everything archived before it) goes to the destination with it.
    await shipWal(this.deps, actor, ctx, m.color).catch(() => null)
    return m
  }
  dump(actor: Actor, ctx: JobContext): Promise<Manifest> {
    return takeDump(this.deps, actor, ctx)
  }
  shipWal(actor: Actor, ctx: JobContext): Promise<Manifest | null> {
    return shipWal(this.deps, actor, ctx)
  }

  async catalog(now = new Date()): Promise<BackupCatalog & { problems: string[] }> {
    const dest = this.store.destination()
    const { manifests, problems } = await listManifests(dest, this.store.manifestCache)
    const decisions = new Map(this.retention(manifests, now).map((d) => [d.id, d]))
    const drills = this.store.drills()
    const wal = manifests.filter((m) => m.type === 'wal')
    return {
      destination: dest.describe,
      backups: manifests.map((m) => ({
        manifest: m, verified: this.store.verification(m.id), drills: drills.filter((x) => x.backupId === m.id), retention: decisions.get(m.id) ?? null
      })),
      recoverable: recoverableRanges(manifests),
      walThrough: wal.length ? wal.map((w) => w.stoppedAt).sort().at(-1)! : null,
      problems
    }
  }

  retention(manifests: Manifest[], now = new Date()): RetentionDecision[] {
    return decideRetention(
      manifests.map((m) => ({
        id: m.id, type: m.type, at: m.stoppedAt,
        segment: m.type === 'base' && m.startLsn && m.timeline !== null ? segmentOf(m.startLsn, m.timeline) : m.type === 'wal' ? (m.walSegments.filter((s) => /^[0-9A-F]{24}$/.test(s)).at(-1) ?? null) : null
      })),
      this.store.config().retention, now
    )
  }

  async manifest(id: string): Promise<Manifest> {
    try {
      return await readManifest(this.store.destination(), id)
    } catch (e) {
      throw new StackError('INVALID_REQUEST', `No backup ${id} at ${this.store.destination().describe} (${(e as Error).message}).`, 'List backups with `fda-offline backup list`.')
    }
  }

  async verify(id: string, actor: Actor, ctx: JobContext): Promise<VerifyReport> {
    const m = await this.manifest(id)
    const report = await verifyBackup(this.deps, m, ctx)
    const failed = report.checks.filter((c) => !c.ok)
    const detail = failed.length ? failed.map((c) => c.detail).join('; ') : report.checks.map((c) => c.detail).join('; ')
    this.store.recordVerification(id, { ok: report.ok, at: new Date().toISOString(), detail })
    await this.deps.s.audit.record(actor, { action: 'backup.verify', targetType: 'backup', targetKey: id, after: { ok: report.ok, checks: report.checks } })
    return report
  }

  /**
   * Restores a backup (or the moment `time`) into the scratch container, checks it, records RTO and
   * RPO as evidence, and (for drills) removes the scratch container.
   */
  async drill(opts: { id?: string; time?: string; keep?: boolean; kind?: 'drill' | 'restore' }, actor: Actor, ctx: JobContext): Promise<DrillResult> {
    const started = Date.now()
    const { manifests } = await listManifests(this.store.destination(), this.store.manifestCache)
    let m: Manifest
    let target: RestoreTarget
    if (opts.time) {
      const t = new Date(opts.time)
      if (Number.isNaN(t.getTime())) throw new StackError('INVALID_REQUEST', `${opts.time} is not a time.`, 'Give an ISO 8601 time such as 2026-11-29T10:15:00Z.')
      if (t.getTime() > Date.now()) throw new StackError('INVALID_REQUEST', `${opts.time} is in the future.`, 'Choose a moment in the past, inside the recoverable window.')
      m = chooseBase(manifests, t.toISOString())
      target = { kind: 'time', time: t.toISOString() }
    } else if (opts.id) {
      m = await this.manifest(opts.id)
      target = { kind: 'immediate' }
    } else {
      const newest = manifests.filter((x) => x.type === 'base' || x.type === 'dump').at(-1)
      if (!newest) throw new StackError('INVALID_REQUEST', 'There is no backup to drill.', 'Run `fda-offline backup run` first.')
      m = newest
      target = { kind: 'immediate' }
    }
    if (m.type === 'wal') throw new StackError('INVALID_REQUEST', `${m.id} is a WAL bundle, not a backup.`, 'Choose a base backup or a dump.')
    const h = await createScratch(this.deps)
    let result: DrillResult
    try {
      if (m.type === 'dump') await restoreDump(this.deps, h, m, ctx)
      else await restorePhysical(this.deps, h, m, target, ctx)
      const rtoSeconds = (Date.now() - started) / 1000
      ctx.report({ phase: 'integrity checks', message: 'rows, checksums, audit chain' })
      const c = await scratchClient(this.deps, h)
      try {
        const checks = await integrityChecks(this.deps, c, m, target.kind === 'immediate')
        const last = m.type === 'base' ? await lastReplayed(c) : null
        const reference = target.kind === 'time' ? target.time : m.stoppedAt
        result = {
          id: `drill-${started.toString(36)}`, backupId: m.id, kind: opts.kind ?? 'drill', into: 'scratch', targetTime: target.kind === 'time' ? target.time : null,
          startedAt: new Date(started).toISOString(), finishedAt: new Date().toISOString(), ok: checks.every((x) => x.ok), rtoSeconds,
          rpoSeconds: last ? Math.max(0, (Date.parse(reference) - Date.parse(last)) / 1000) : null, lastRestoredAt: last, checks, auditSeq: null
        }
      } finally {
        await c.end().catch(() => {})
      }
    } finally {
      if (!opts.keep) await removeScratch(this.deps)
    }
    const entry = await this.deps.s.audit.record(actor, {
      action: opts.kind === 'restore' ? 'backup.restore' : 'backup.drill', targetType: 'backup', targetKey: m.id,
      after: { ok: result.ok, into: 'scratch', targetTime: result.targetTime, rtoSeconds: result.rtoSeconds, rpoSeconds: result.rpoSeconds, checks: result.checks }
    })
    result.auditSeq = entry.seq
    this.store.recordDrill(result)
    return result
  }

  /** Restores the latest recoverable moment (every WAL segment available) into scratch: what a lost primary leaves. */
  async restoreLatest(actor: Actor, ctx: JobContext, failedAt: string): Promise<DrillResult> {
    const started = Date.now()
    const { manifests } = await listManifests(this.store.destination(), this.store.manifestCache)
    const base = manifests.filter((x) => x.type === 'base').at(-1)
    if (!base) throw new StackError('INVALID_REQUEST', 'There is no base backup.', 'Run `fda-offline backup run --type base` first.')
    const h = await createScratch(this.deps)
    await restorePhysical(this.deps, h, base, { kind: 'latest' }, ctx)
    const c = await scratchClient(this.deps, h)
    try {
      const last = await lastReplayed(c)
      const result: DrillResult = {
        id: `restore-${started.toString(36)}`, backupId: base.id, kind: 'restore', into: 'scratch', targetTime: null,
        startedAt: new Date(started).toISOString(), finishedAt: new Date().toISOString(), ok: true, rtoSeconds: (Date.now() - started) / 1000,
        rpoSeconds: last ? Math.max(0, (Date.parse(failedAt) - Date.parse(last)) / 1000) : null, lastRestoredAt: last, checks: [], auditSeq: null
      }
      // After the loss of the primary the audit trail itself may be unreachable; the evidence is still kept locally.
      const entry = await this.deps.s.audit.record(actor, { action: 'backup.restore', targetType: 'backup', targetKey: base.id, after: { into: 'scratch', latest: true, rpoSeconds: result.rpoSeconds, rtoSeconds: result.rtoSeconds } }).catch(() => null)
      result.auditSeq = entry?.seq ?? null
      this.store.recordDrill(result)
      return result
    } finally {
      await c.end().catch(() => {})
    }
  }

  /**
   * Restores the moment `time` into GREEN (its data volume is replaced), waits until GREEN has
   * recovered and promoted, and leaves it running beside the live color. Switching clients to it
   * is the blue-green flow's job (promote), not this one's.
   */
  async restoreIntoGreen(time: string, actor: Actor, ctx: JobContext): Promise<DrillResult> {
    const started = Date.now()
    const s = this.deps.s
    const t = new Date(time)
    if (Number.isNaN(t.getTime()) || t.getTime() > Date.now()) throw new StackError('INVALID_REQUEST', `${time} is not a past moment.`, 'Give an ISO 8601 time inside the recoverable window.')
    const live = await liveColor(this.deps)
    if (live === 'green') throw new StackError('INVALID_REQUEST', 'GREEN is the live color; restoring into it would replace the data clients use.', 'Promote BLUE first, or restore into scratch.')
    const { manifests } = await listManifests(this.store.destination(), this.store.manifestCache)
    const base = chooseBase(manifests, t.toISOString())
    const names = volumeNames(s.settings.stackName)
    ctx.report({ phase: 'prepare GREEN', message: 'removing the GREEN container and its data volume' })
    await this.deps.docker.getContainer(containerName(s.settings.stackName, 'green')).remove({ force: true }).catch(ignore404)
    await this.deps.docker.getVolume(names.green).remove({ force: true }).catch(ignore404)
    // GREEN's old archived WAL is moved aside, so the restored cluster's new timeline never collides with it.
    await execText(colorContainer(this.deps, live), ['bash', '-c', `d=/var/lib/fda/wal-archive/green; [ -d $d ] && mv $d $d-before-${started} || true`])
    const loader = await createScratch(this.deps, { name: `${s.settings.stackName}-green-restore`, dataVolume: names.green })
    try {
      await restorePhysical(this.deps, loader, base, { kind: 'time', time: t.toISOString() }, ctx, false)
    } finally {
      await loader.container.remove({ force: true }).catch(ignore404)
    }
    ctx.report({ phase: 'start GREEN', message: 'recovering to the chosen moment' })
    await s.stack.up({ green: true }, ctx)
    const h = { name: containerName(s.settings.stackName, 'green'), volume: names.green, port: s.settings.ports.green, container: colorContainer(this.deps, 'green') }
    await waitPromoted(h, s.stack.target('green').password, 60 * 60_000, ctx.signal)
    const rtoSeconds = (Date.now() - started) / 1000
    const c = await scratchClient(this.deps, h)
    let result: DrillResult
    let matchesManifest: Endpoint[] = []
    try {
      const last = await lastReplayed(c)
      await c.query('ALTER SYSTEM RESET restore_command')
      await c.query('ALTER SYSTEM RESET recovery_target_time')
      await c.query('ALTER SYSTEM RESET recovery_target_action')
      await c.query('SELECT pg_reload_conf()')
      const checks = await integrityChecks(this.deps, c, base, false)
      // Expectations a past prepare left in the backed-up color describe another moment: never let them vouch for this one.
      if ((await c.query("SELECT to_regclass('console.deploy_expectations') AS t")).rows[0].t) await c.query('DELETE FROM console.deploy_expectations')
      const facts = await endpointFacts(c)
      matchesManifest = ENDPOINTS.filter((e) => base.endpoints[e] && base.endpoints[e].rows === facts[e].rows && base.endpoints[e].digest === facts[e].digest)
      result = {
        id: `restore-${started.toString(36)}`, backupId: base.id, kind: 'restore', into: 'green', targetTime: t.toISOString(),
        startedAt: new Date(started).toISOString(), finishedAt: new Date().toISOString(), ok: checks.every((x) => x.ok), rtoSeconds,
        rpoSeconds: last ? Math.max(0, (t.getTime() - Date.parse(last)) / 1000) : null, lastRestoredAt: last, checks, auditSeq: null
      }
    } finally {
      await c.end().catch(() => {})
    }
    await execText(h.container, ['rm', '-rf', '/var/lib/fda/pgdata/fda_restore_wal']).catch(() => null)
    // Only a restore whose checks pass is offered to the blue-green flow; a failed one stays unpromotable.
    if (result.ok && this.standbyHandOff) {
      try {
        const note = await this.standbyHandOff({ restoreId: result.id, backupId: base.id, targetTime: t.toISOString(), matchesManifest }, actor, ctx)
        result.checks.push({ name: 'blue-green hand-off', ok: true, detail: note })
      } catch (e) {
        result.checks.push({ name: 'blue-green hand-off', ok: false, detail: `${(e as Error).message} (run \`fda-offline deploy prepare\` to make a promotable GREEN from the live color instead)` })
        result.ok = false
      }
    }
    const entry = await s.audit.record(actor, { action: 'backup.restore', targetType: 'backup', targetKey: base.id, after: { into: 'green', targetTime: result.targetTime, ok: result.ok, rtoSeconds, checks: result.checks } })
    result.auditSeq = entry.seq
    this.store.recordDrill(result)
    return result
  }

  removeScratch(): Promise<void> {
    return removeScratch(this.deps)
  }

  /** Deletes what retention no longer keeps (or, dry run, only lists it), audited. */
  async prune(actor: Actor, dryRun: boolean, ctx?: JobContext): Promise<RetentionDecision[]> {
    const dest = this.store.destination()
    const { manifests } = await listManifests(dest, this.store.manifestCache)
    const decisions = this.retention(manifests)
    const doomed = decisions.filter((d) => !d.keep)
    if (dryRun) return decisions
    let n = 0
    for (const d of doomed) {
      ctx?.report({ phase: 'prune', done: n++, total: doomed.length, unit: 'backups', message: d.id })
      const m = manifests.find((x) => x.id === d.id)!
      for (const a of m.artifacts) await dest.delete(a.key)
      await dest.delete(manifestKey(m.id))
    }
    const archiveSegmentsRemoved = await this.trimArchive(manifests, decisions)
    await this.deps.s.audit.record(actor, {
      action: 'backup.prune', targetType: 'backup', targetKey: dest.describe,
      after: { pruned: doomed.map((d) => ({ id: d.id, reason: d.reason })), kept: decisions.filter((d) => d.keep).length, archiveSegmentsRemoved }
    })
    return decisions
  }

  /**
   * The WAL-archive volume would otherwise grow for ever: segments already shipped to the
   * destination and older than the oldest retained base backup of their color are removed from it.
   */
  private async trimArchive(manifests: Manifest[], decisions: RetentionDecision[]): Promise<number> {
    const live = await liveColor(this.deps).catch(() => null)
    if (!live) return 0
    const kept = new Set(decisions.filter((d) => d.keep).map((d) => d.id))
    let removed = 0
    for (const color of ['blue', 'green'] as const) {
      const bases = manifests.filter((m) => m.type === 'base' && m.color === color && kept.has(m.id) && m.startLsn && m.timeline !== null)
      if (bases.length === 0) continue
      const oldest = bases.map((b) => segmentOf(b.startLsn!, b.timeline!).slice(8)).sort()[0]
      const shipped = new Set(manifests.filter((m) => m.type === 'wal' && m.color === color).flatMap((m) => m.walSegments))
      const dir = `/var/lib/fda/wal-archive/${color}`
      const container = colorContainer(this.deps, live)
      const { stdout } = await execText(container, ['bash', '-c', `ls -1 ${dir} 2>/dev/null || true`])
      const doomed = stdout.split('\n').filter((f) => /^[0-9A-F]{24}$/.test(f) && f.slice(8) < oldest && shipped.has(f))
      if (doomed.length === 0) continue
      const rm = await execStream(container, ['bash', '-c', `cd ${dir} && xargs rm -f --`], { stdin: Readable.from([doomed.join('\n') + '\n']) })
      rm.stdout.resume()
      await ensureSuccess('removing archived WAL', rm)
      removed += doomed.length
    }
    return removed
  }
}

const ignore404 = (e: { statusCode?: number }): void => {
  if (e.statusCode !== 404) throw e
}

export type { Services }
