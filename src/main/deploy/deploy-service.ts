import type Docker from 'dockerode'
import pg from 'pg'
import type { ColorFacts, DeployStatus, Guardrail, SwitchRecord } from '../../shared/contracts/deploy'
import type { Color } from '../../shared/schemas'
import type { AuditService } from '../audit/audit-service'
import { APP_ROLE, type Actor, type Database } from '../db/database'
import type { Target } from '../db/connection'
import type { JobContext } from '../jobs/job-manager'
import type { ConsoleSettings } from '../settings/console-settings'
import { containerName } from '../stack/spec'
import { StackError } from '../stack/stack-error'
import type { StackService } from '../stack/stack-service'
import { measureContent, readExpectations, schemaVersion, writeExpectations } from './content'
import { DeployStateFile } from './deploy-state'
import { checkGuardrails } from './guardrails'
import { BouncerControl } from './pgbouncer-control'
import { adoptRestoredStandby, type RestoredStandby } from './adopt'
import { prepareStandby } from './prepare'
import { sealSegments, segmentHeads } from './segments'
import { dropSlotIfExists, dropSubscription, exchangeSegments, markAndWait, subscriptionName, subscriptions } from './replication'
import { reverseReplication, runSwitch, smoke, switchInProgress, type SwitchDeps } from './switch'

export const other = (c: Color): Color => (c === 'blue' ? 'green' : 'blue')

/** Blue-green: which color is live, prepare the standby, guardrails, promote/rollback, retire, recovery. */
export class DeployService {
  readonly state: DeployStateFile
  readonly bouncer: BouncerControl
  private lastRecovery: string | null = null
  private contentCache = new Map<Color, { at: number; key: string; facts: ColorFacts['content'] }>()

  constructor(
    readonly docker: Docker,
    readonly stack: StackService,
    readonly db: Database,
    readonly audit: AuditService,
    private readonly consoleSettings: ConsoleSettings,
    home: string
  ) {
    this.state = new DeployStateFile(home)
    this.bouncer = new BouncerControl(docker, stack)
  }

  container(color: Color): Docker.Container {
    return this.docker.getContainer(containerName(this.stack.spec().stackName, color))
  }
  colorTarget = (color: Color): Target => this.stack.target(color)
  appTarget = (): Target => ({ ...this.stack.target('pgbouncer'), user: APP_ROLE, password: this.db.appPassword() })
  private ports(): { blue: number; green: number } {
    const p = this.stack.spec().ports
    return { blue: p.blue, green: p.green }
  }

  async setting(key: string, fallback: number): Promise<number> {
    const all = await this.consoleSettings.list().catch(() => [])
    return all.find((s) => s.key === key)?.value ?? fallback
  }

  /** End of the warm window of the previous color (the window setting applies as it is now). */
  async warmUntil(): Promise<string | null> {
    const warm = this.state.read().warm
    if (!warm) return null
    const hours = await this.setting('deploy.warmWindowHours', 24)
    return new Date(Date.parse(warm.since) + hours * 3600_000).toISOString()
  }

  /** One switch (or prepare) at a time, whichever process started it. */
  refuseWhileSwitching(): void {
    const running = this.state.unfinished()
    if (running && switchInProgress(running))
      throw new StackError('INVALID_REQUEST', `A switch (${running.kind} ${running.from.toUpperCase()} → ${running.to.toUpperCase()}) is in progress.`, 'Wait for it to finish; its progress shows on the Blue-Green screen.')
  }

  /** The live color: whichever PgBouncer's mirror database points at (read, never remembered). */
  async live(): Promise<Color | null> {
    return this.stack.liveColor()
  }

  async verify(): Promise<{ from: Color; to: Color; ok: boolean; guardrails: Guardrail[] }> {
    const from = (await this.live()) ?? 'blue'
    const to = other(from)
    const guardrails = await checkGuardrails(
      { colorTarget: this.colorTarget, bouncer: this.bouncer, container: (c) => this.container(c), ports: this.ports() },
      from, to,
      { maxTransactionSeconds: await this.setting('deploy.maxTransactionSeconds', 15), minFreeDiskMb: await this.setting('deploy.minFreeDiskMb', 1024) }
    )
    return { from, to, ok: guardrails.every((g) => g.ok), guardrails }
  }

  prepare(actor: Actor, ctx: JobContext): Promise<string> {
    return prepareStandby(this, actor, ctx)
  }

  /** A standby produced by a backup restore becomes promotable (see adopt.ts). */
  adoptRestored(r: RestoredStandby, actor: Actor, ctx: JobContext): Promise<string> {
    return adoptRestoredStandby(this, r, actor, ctx)
  }

  /**
   * Why the standby is not ready to receive a blue-green refresh (null when it is): it must run and
   * follow the live color's operator tables, as `deploy prepare` leaves it.
   */
  async standbyNotPrepared(live: Color, standby: Color): Promise<string | null> {
    const info = await this.container(standby).inspect().catch(() => null)
    if (!info?.State.Running) return `${standby.toUpperCase()} is ${info ? info.State.Status : 'absent'}`
    const subs = await this.db.admin(standby, (c) => subscriptions(c)).catch((e: Error) => e)
    if (subs instanceof Error) return `${standby.toUpperCase()} is not reachable (${subs.message})`
    if (!subs.some((x) => x.name === subscriptionName(live, standby))) return `${standby.toUpperCase()} does not replicate ${live.toUpperCase()}'s operator tables (it was not made by \`deploy prepare\`)`
    return null
  }

  switchDeps(ctx: JobContext | null): SwitchDeps {
    return {
      bouncer: this.bouncer, state: this.state, colorTarget: this.colorTarget, appTarget: this.appTarget,
      report: (step, message) => ctx?.report({ phase: step, message })
    }
  }

  /**
   * Checks before a switch: nothing half-done, guardrails pass (or an admin overrides with a reason).
   * Returns the plan's colors; throws a typed error naming what blocks.
   */
  async precheck(kind: 'promote' | 'rollback', overrideReason: string | null, isAdmin: boolean): Promise<{ from: Color; to: Color; guardrails: Guardrail[] }> {
    const recovered = await this.recover()
    if (recovered) this.lastRecovery = recovered
    this.refuseWhileSwitching()
    const st = this.state.read()
    const from = await this.live()
    if (!from) throw new StackError('DATABASE_UNAVAILABLE', 'PgBouncer is not reachable, so the live color is unknown.', 'Start the stack (`fda-offline stack up`).')
    const to = other(from)
    if (kind === 'rollback' && st.warm?.color !== to)
      throw new StackError('INVALID_REQUEST', `There is nothing to roll back to: ${to.toUpperCase()} is not the previous live color kept warm.`, 'Roll back only after a promotion, within the warm window.')
    const until = await this.warmUntil()
    if (kind === 'rollback' && until && Date.parse(until) < Date.now())
      throw new StackError('INVALID_REQUEST', `The warm window of ${to.toUpperCase()} ended at ${until}.`, 'Prepare the standby again and promote it instead.')
    const v = await this.verify()
    const failing = v.guardrails.filter((g) => !g.ok)
    if (failing.length && !overrideReason)
      throw new StackError('INVALID_REQUEST', `Guardrails block the ${kind}: ${failing.map((g) => `${g.name}: ${g.detail}`).join(' | ')}`, failing.map((g) => g.fix).filter(Boolean).join(' ') || 'Fix the failing checks.')
    if (failing.length && !isAdmin)
      throw new StackError('FORBIDDEN', 'Only an administrator may override failing guardrails.', 'Ask an administrator, or fix the failing checks.')
    return { from, to, guardrails: v.guardrails }
  }

  /**
   * The switch itself inside a job: segments exchanged, the old live color's content recorded as its
   * expectation (for a later rollback), the switch, then health probing with automatic rollback.
   */
  async switchTo(
    kind: SwitchRecord['kind'], from: Color, to: Color, actor: Actor, signatureSeq: number | null, overrideReason: string | null, ctx: JobContext
  ): Promise<SwitchRecord> {
    const ports = this.ports()
    await this.admin2(from, to, async (fc, tc) => {
      ctx.report({ phase: 'segments', message: 'copying audit segments between the colors (refresh chains) and sealing them in the main chain' })
      await exchangeSegments(fc, tc)
      await sealSegments(this.audit, actor, fc, await segmentHeads(fc))
      ctx.report({ phase: 'record', message: `recording ${from.toUpperCase()}'s content, so a rollback can be checked against it` })
      await writeExpectations(fc, await measureContent(fc), `${kind}:${from}-left-live`)
    })
    const deadlineMs = (await this.setting('deploy.pauseDeadlineSeconds', 5)) * 1000
    const rec = await runSwitch(this.switchDeps(ctx), {
      kind, from, to, fromPort: ports[from], toPort: ports[to], deadlineMs, by: actor.username, signatureSeq, overrideReason
    })
    await this.afterSwitch(rec, actor)
    if (rec.state !== 'done') throw new Error(rec.message ?? 'the switch was undone')
    return rec
  }

  private async afterSwitch(rec: SwitchRecord, actor: Actor): Promise<void> {
    const done = rec.state === 'done' || rec.state === 'recovered-done'
    if (done) {
      this.state.update((s) => {
        s.warm = { color: rec.from, since: rec.endedAt ?? new Date().toISOString() }
        s.prepared = null
      })
    }
    this.contentCache.clear()
    await this.audit
      .record(actor, {
        action: `deploy.${rec.kind}.${done ? 'switched' : 'undone'}`, targetType: 'color', targetKey: done ? rec.to : rec.from,
        after: { switch: rec.id, from: rec.from, to: rec.to, pauseMs: rec.pauseMs, steps: rec.steps, state: rec.state, message: rec.message, signatureSeq: rec.signatureSeq }
      })
      .catch(() => {})
  }

  /** After a promotion: probe through PgBouncer; failures within the window roll back automatically (signed by the system). */
  async probeAndMaybeRollBack(rec: SwitchRecord, ctx: JobContext): Promise<string | null> {
    const windowS = await this.setting('deploy.healthWindowSeconds', 10)
    const until = Date.now() + windowS * 1000
    let failures = 0
    let lastError = ''
    // Until the window ends, and past it while failures are being counted (3 in a row roll back).
    while (Date.now() < until || (failures > 0 && failures < 3)) {
      ctx.report({ phase: 'health', message: `probing ${rec.to.toUpperCase()} through PgBouncer (${Math.ceil((until - Date.now()) / 1000)} s left)` })
      try {
        await smoke(this.appTarget(), rec.toPort)
        failures = 0
      } catch (e) {
        failures++
        lastError = (e as Error).message
      }
      if (failures >= 3) {
        const system: Actor = { userId: null, username: 'system', client: 'system' }
        const back = await runSwitch(this.switchDeps(ctx), {
          kind: 'auto-rollback', from: rec.to, to: rec.from, fromPort: rec.toPort, toPort: rec.fromPort,
          deadlineMs: (await this.setting('deploy.pauseDeadlineSeconds', 5)) * 1000, by: 'system', signatureSeq: null, overrideReason: null
        })
        // Recorded on the color that is live again (the failed one may not take writes), signed by the system.
        const entry = await this.audit.record(system, {
          action: 'deploy.auto-rollback', targetType: 'color', targetKey: rec.from, reason: 'approval',
          after: { after: rec.id, switch: back.id, failure: lastError, state: back.state, pauseMs: back.pauseMs }
        }).catch(() => null)
        back.signatureSeq = entry ? await this.systemSignature(entry.seq, entry.hash) : null
        this.state.saveSwitch(back)
        await this.afterSwitch(back, system)
        return `health probe failed 3 times (${lastError}): rolled back automatically to ${rec.from.toUpperCase()} (${back.state}, pause ${back.pauseMs} ms)`
      }
      await new Promise((r) => setTimeout(r, 1000))
    }
    return null
  }

  /** A signature by the system itself (automatic rollback): recorded like a person's, meaning approval. */
  private async systemSignature(seq: number, hash: string): Promise<number | null> {
    const r = await this.audit
      .record({ userId: null, username: 'system', client: 'system' }, {
        action: 'signature', targetType: 'audit', targetKey: String(seq), reason: 'approval',
        after: { meaning: 'approval', printedName: 'FDA Offline Console (automatic rollback)', userId: null, signedSeq: seq, signedHash: hash, comment: 'health probe failed after a switch' }
      })
      .catch(() => null)
    return r?.seq ?? null
  }

  /** Retire the previous color after its warm window: replication stopped, container and data removed. */
  async retire(actor: Actor, ctx: JobContext): Promise<string> {
    const st = this.state.read()
    const live = await this.live()
    if (!live) throw new StackError('DATABASE_UNAVAILABLE', 'PgBouncer is not reachable.', 'Start the stack.')
    const standby = other(live)
    const until = await this.warmUntil()
    if (st.warm && st.warm.color === standby && until && Date.parse(until) > Date.now())
      throw new StackError('INVALID_REQUEST', `${standby.toUpperCase()} is kept warm for rollback until ${until}.`, 'Retire it after the window, or shorten deploy.warmWindowHours (admin setting).')
    ctx.report({ phase: 'replication', message: `stopping replication to ${standby.toUpperCase()}` })
    await this.removeStandby(live, standby)
    this.state.update((s) => {
      s.warm = null
      s.prepared = null
    })
    await this.audit.record(actor, { action: 'deploy.retire', targetType: 'color', targetKey: standby, after: { live } })
    return `${standby.toUpperCase()} retired: replication stopped, container and data volume removed`
  }

  /** Drops the standby's subscription and the live color's slot, then the standby's container and volume. */
  async removeStandby(live: Color, standby: Color): Promise<void> {
    await this.db.admin(standby, async (c) => {
      for (const s of await subscriptions(c)) await dropSubscription(c, s.name)
    }).catch(() => {})
    await this.db.admin(live, async (c) => {
      for (const s of await subscriptions(c)) await dropSubscription(c, s.name) // a live color never subscribes
      await dropSlotIfExists(c, subscriptionName(live, standby))
    })
    const ctr = this.container(standby)
    const info = await ctr.inspect().catch(() => null)
    if (info) {
      if (info.State.Running) await ctr.stop({ t: 30 }).catch(() => {})
      await ctr.remove({ force: true })
    }
    await this.docker.getVolume(`${this.stack.spec().stackName}-${standby}-data`).remove().catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 404) throw e
    })
  }

  /**
   * Finds a switch that a crash left half-done and settles it: PgBouncer is the truth. Pointing at
   * the new color → finish (RESUME if needed, replication reversed); at the old → undo (RESUME,
   * config restored, the reverse slot dropped). Returns what it did, or null.
   */
  async recover(): Promise<string | null> {
    const rec = this.state.unfinished()
    if (!rec || switchInProgress(rec)) return null
    const c = await this.bouncer.connect()
    try {
      const watchdog = (await this.bouncer.leaseReport().catch(() => [])).filter((l) => l.includes(rec.id))
      const m = await this.bouncer.mirror(c)
      if (!m) throw new Error('PgBouncer has no mirror database')
      const wasPaused = m.paused
      let outcome: 'recovered-done' | 'recovered-undone'
      if (m.port === rec.toPort) {
        if (m.paused) await c.query('RESUME mirror')
        await this.bouncer.clearLease(rec.id).catch(() => {})
        await this.admin2(rec.from, rec.to, (fc, tc) => reverseReplication(this.switchDeps(null), { ...rec, reversePoint: rec.reversePoint ?? null }, fc, tc))
        outcome = 'recovered-done'
      } else {
        await this.bouncer.retarget(rec.fromPort)
        await c.query('RELOAD')
        if ((await this.bouncer.mirror(c))?.paused) await c.query('RESUME mirror')
        await this.bouncer.clearLease(rec.id).catch(() => {})
        await this.db.admin(rec.to, (tc) => dropSlotIfExists(tc, subscriptionName(rec.to, rec.from))).catch(() => {})
        outcome = 'recovered-undone'
      }
      rec.state = outcome
      rec.step = outcome
      rec.endedAt = new Date().toISOString()
      const live = outcome === 'recovered-done' ? rec.to : rec.from
      rec.message = `half-done switch found at step "${rec.steps.at(-1)?.step ?? 'planned'}" (pool ${wasPaused ? 'still paused' : 'not paused'}${watchdog.length ? `; watchdog: ${watchdog.join(' ')}` : ''}); ${outcome === 'recovered-done' ? 'finished' : 'undone'}: ${live.toUpperCase()} is live`
      this.state.saveSwitch(rec)
      await this.afterSwitch(rec, { userId: null, username: 'system', client: 'system' })
      this.lastRecovery = rec.message
      return rec.message
    } finally {
      await c.end().catch(() => {})
    }
  }

  async status(withContent: boolean): Promise<DeployStatus> {
    const recovered = await this.recover().catch((e: Error) => `recovery failed: ${e.message}`)
    const st = this.state.read()
    const live = await this.live().catch(() => null)
    const standby = live ? other(live) : null
    const colors = await Promise.all((['blue', 'green'] as Color[]).map((color) => this.facts(color, live, withContent)))
    return {
      live, standby: colors.find((c) => c.color === standby && c.role !== 'absent') ? standby : null, colors,
      warmUntil: await this.warmUntil(), preparedAt: st.prepared?.at ?? null,
      current: st.switches.find((s) => s.state === 'running') ?? null,
      history: st.switches.slice(0, 50),
      recovered: recovered ?? this.lastRecovery
    }
  }

  private async facts(color: Color, live: Color | null, withContent: boolean): Promise<ColorFacts> {
    const info = await this.container(color).inspect().catch(() => null)
    const f: ColorFacts = {
      color, role: !info ? 'absent' : live === color ? 'live' : 'standby', container: containerName(this.stack.spec().stackName, color),
      health: info ? info.State.Health?.Status ?? info.State.Status : 'absent', port: this.ports()[color], serverVersion: null, schemaVersion: null,
      startedAt: info?.State.Running ? info.State.StartedAt : null,
      replication: { from: null, enabled: false, lagMs: null, detail: 'no subscription' }, content: [], error: null
    }
    if (!info?.State.Running) return f
    try {
      await this.db.admin(color, async (c) => {
        f.serverVersion = (await c.query('SHOW server_version')).rows[0].server_version as string
        f.schemaVersion = await schemaVersion(c)
        const sub = (await subscriptions(c))[0]
        if (sub) {
          const from = /^fda_ops_(blue|green)_to_/.exec(sub.name)?.[1] as Color | undefined
          f.replication = { from: from ?? null, enabled: sub.enabled && sub.pid !== null, lagMs: null, detail: `${sub.name}: ${sub.enabled ? (sub.pid ? 'streaming' : 'worker not running') : 'disabled'}` }
          if (from && sub.pid) {
            f.replication.lagMs = await this.db.admin(from, (fc) => markAndWait(fc, c, `status-${Date.now()}`, 2000, 5)).then(Math.round).catch(() => null)
          }
        }
        if (withContent) f.content = await this.content(color, c)
      })
    } catch (e) {
      f.error = (e as Error).message
    }
    return f
  }

  /** Rows and digests are computed on demand and cached briefly (they read every row). */
  private async content(color: Color, c: pg.ClientBase): Promise<ColorFacts['content']> {
    const key = (await c.query<{ k: string }>(`SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::text AS k FROM pg_stat_user_tables WHERE schemaname = 'openfda'`)).rows[0].k
    const hit = this.contentCache.get(color)
    if (hit && hit.key === key && Date.now() - hit.at < 60_000) return hit.facts
    const [actual, expected] = await Promise.all([measureContent(c), readExpectations(c)])
    const facts = actual.map((a) => {
      const x = expected.get(a.endpoint)
      return { endpoint: a.endpoint, rows: a.rows, digest: a.digest, expectedRows: x?.rows ?? null, expectedDigest: x?.digest ?? null, expectationSource: x?.source ?? null }
    })
    this.contentCache.set(color, { at: Date.now(), key, facts })
    return facts
  }

  /** Direct superuser connections to both colors for one piece of work. */
  async admin2<T>(a: Color, b: Color, fn: (ac: pg.Client, bc: pg.Client) => Promise<T>): Promise<T> {
    return this.db.admin(a, (ac) => this.db.admin(b, (bc) => fn(ac, bc)))
  }
}
