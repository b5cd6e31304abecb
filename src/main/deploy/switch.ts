import { randomUUID } from 'node:crypto'
import pg from 'pg'
import type { SwitchRecord } from '../../shared/contracts/deploy'
import type { Color } from '../../shared/schemas'
import type { Target } from '../db/connection'
import type { DeployStateFile } from './deploy-state'
import { destroy, type BouncerControl, type ControlSession } from './pgbouncer-control'
import { connInfo, createSubscription, dropSlotIfExists, dropSubscription, flushApplied, gapAuditSequence, markAndWait, subscriptionName, syncSequences } from './replication'

/** Identity sequences jump this far ahead on the new live color before the pause (gaps are harmless). */
const SEQUENCE_MARGIN = 1000

export interface SwitchDeps {
  bouncer: BouncerControl
  state: DeployStateFile
  /** Direct superuser target of a color. */
  colorTarget: (color: Color) => Target
  /** The application role through PgBouncer, for the smoke query. */
  appTarget: () => Target
  report: (step: string, message: string) => void
}

export interface SwitchPlan {
  kind: SwitchRecord['kind']
  from: Color
  to: Color
  fromPort: number
  toPort: number
  /** Longest the pool may stay paused; the watchdog's lease expires then. */
  deadlineMs: number
  by: string
  signatureSeq: number | null
  overrideReason: string | null
}

class DeadlineExceeded extends Error {}

/** Test-only fault injection: stop (hang) right after the named step, to prove crash recovery. */
const hangAfter = (): string | null => process.env.FDA_DEPLOY_HANG_AFTER ?? null

/**
 * One switch of PgBouncer's mirror database from one color to the other, as a persisted state
 * machine (every step is written to the state file before the next one starts):
 *
 *   lease → PAUSE (deadline) → prove drained → standby caught up → reverse slot → sequences →
 *   rewrite config → RELOAD → SHOW DATABASES shows the new port → RESUME → smoke query → replication reversed
 *
 * Any failure before RESUME restores the old config, RESUMEs and reports ("undone"). The pause lease
 * in PgBouncer's container resumes the pool if this process dies; `recoverSwitch` settles the rest.
 */
export async function runSwitch(deps: SwitchDeps, plan: SwitchPlan): Promise<SwitchRecord> {
  const rec: SwitchRecord = {
    id: `${plan.kind}-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`,
    kind: plan.kind, from: plan.from, to: plan.to, fromPort: plan.fromPort, toPort: plan.toPort,
    step: 'planned', state: 'running', startedAt: new Date().toISOString(), endedAt: null, pauseMs: null, steps: [],
    by: plan.by, signatureSeq: plan.signatureSeq, overrideReason: plan.overrideReason, message: null, reversePoint: null, ownerPid: process.pid
  }
  activeSwitches.add(rec.id)
  try {
    return await carryOut(deps, plan, rec)
  } finally {
    activeSwitches.delete(rec.id)
  }
}

/** Switches this process is carrying out right now (recovery must not touch them). */
export const activeSwitches = new Set<string>()

/** Whether a switch record belongs to a process that is still running it. */
export function switchInProgress(rec: SwitchRecord): boolean {
  if (activeSwitches.has(rec.id)) return true
  if (!rec.ownerPid || rec.ownerPid === process.pid) return false
  if (Date.now() - Date.parse(rec.startedAt) > 10 * 60_000) return false // a reused pid, not a switch
  try {
    process.kill(rec.ownerPid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function carryOut(deps: SwitchDeps, plan: SwitchPlan, rec: SwitchRecord): Promise<SwitchRecord> {
  deps.state.saveSwitch(rec)
  const step = async <T>(name: string, message: string, fn: () => Promise<T>): Promise<T> => {
    deps.report(name, message)
    const t = performance.now()
    const v = await fn()
    rec.steps.push({ step: name, ms: round(performance.now() - t), at: new Date().toISOString() })
    rec.step = name
    deps.state.saveSwitch(rec)
    if (hangAfter() === name) await new Promise(() => {}) // never resolves: the test kills this process
    return v
  }

  const control = await deps.bouncer.connect()
  const pauser = await deps.bouncer.connect()
  const session = await deps.bouncer.session()
  // An automatic rollback runs because the new live color failed: it may be unreachable.
  const fromC = await connectTo(deps.colorTarget(plan.from)).catch((e: Error) => {
    if (plan.kind !== 'auto-rollback') throw e
    rec.message = `${plan.from.toUpperCase()} unreachable (${e.message}): switched without catch-up or replication back`
    return null
  })
  const toC = await connectTo(deps.colorTarget(plan.to))
  const reverse = subscriptionName(plan.to, plan.from)
  let paused = false
  let retargeted = false
  let slotCreated = false
  let pauseStart = 0
  // Within the deadline: the console gives up (and undoes) at 60 % of it; the watchdog's lease fires at
  // 80 %, leaving it time to restore, RELOAD and RESUME before the deadline itself.
  const remaining = (): number => plan.deadlineMs * 0.6 - (performance.now() - pauseStart)
  const inTime = (): void => {
    if (remaining() < 150) throw new DeadlineExceeded(`the switch would overrun its ${plan.deadlineMs} ms pause deadline`)
  }
  try {
    await step('check', `PgBouncer must point at ${plan.from.toUpperCase()} (${plan.fromPort}) and not be paused`, async () => {
      const m = await deps.bouncer.mirror(control)
      if (!m) throw new Error('PgBouncer has no mirror database')
      if (m.port !== plan.fromPort) throw new Error(`PgBouncer points at port ${m.port}, not ${plan.from.toUpperCase()} (${plan.fromPort})`)
      if (m.paused) throw new Error('the mirror database is already paused (another switch, or a hand-made PAUSE)')
      await session.stage(plan.toPort)
    })
    // Before the pause: the reverse slot (advanced past the pause point after RESUME, so nothing
    // replicated into the new live color flows back) and the sequences with a margin (ids may skip,
    // never collide), so neither costs pause time.
    await step('reverse-slot', `a replication slot on ${plan.to.toUpperCase()} will keep what is written there for ${plan.from.toUpperCase()}`, async () => {
      await dropSlotIfExists(toC, reverse)
      // A slot waits for every transaction running on its server: bounded, so a forgotten session fails the switch instead of hanging it.
      await toC.query(`SET statement_timeout = '15s'`)
      await toC.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [reverse]).catch((e: Error) => {
        throw new Error(`the replication slot on ${plan.to.toUpperCase()} could not be made (${e.message}): a long transaction there?`)
      })
      await toC.query('SET statement_timeout = 0')
      slotCreated = true
    })
    if (fromC) await step('sequences', 'sequences move ahead on the new live color', () => syncSequences(fromC, toC, SEQUENCE_MARGIN))
    await step('lease', 'the pause guard in PgBouncer\'s container will resume the pool if this switch stalls', () =>
      session.lease(Date.now() + plan.deadlineMs * 0.8, plan.fromPort, rec.id)
    )
    // ---- paused from here until RESUME ----
    pauseStart = performance.now()
    const tag = await step('pause', 'PAUSE mirror: waiting for running transactions to finish', () =>
      deps.bouncer.pause(pauser, Math.floor(plan.deadlineMs * 0.4))
    )
    paused = true
    if (tag !== 'PAUSE') throw new Error(`PAUSE answered with tag ${tag}, not PAUSE: the pool is not proven drained`)
    await step('drained', 'proving the pool drained: SHOW DATABASES paused, SHOW SERVERS empty', async () => {
      for (;;) {
        const m = await deps.bouncer.mirror(control)
        const servers = await deps.bouncer.mirrorServers(control)
        if (m?.paused && servers === 0) return
        inTime()
        if (!m?.paused) throw new Error('SHOW DATABASES does not show the mirror database paused')
        await sleep(5)
      }
    })
    await step('caught-up', `${plan.to.toUpperCase()} has applied every operator change of ${plan.from.toUpperCase()}`, async () => {
      if (fromC) await markAndWait(fromC, toC, rec.id, Math.max(50, remaining() - 300))
    })
    await step('reverse-point', `the point on ${plan.to.toUpperCase()} from which its writes flow back`, async () => {
      inTime()
      rec.reversePoint = (await toC.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn
    })
    await step('retarget', `rewriting PgBouncer's config atomically: port ${plan.toPort}`, async () => {
      inTime()
      retargeted = true
      await session.commit(plan.toPort)
    })
    await step('reload', 'RELOAD, then SHOW DATABASES must show the new port', async () => {
      inTime()
      await control.query('RELOAD')
      const m = await deps.bouncer.mirror(control)
      if (m?.port !== plan.toPort || (m.host !== null && m.host !== '127.0.0.1'))
        throw new Error(`after RELOAD PgBouncer still shows ${m?.host}:${m?.port}, not 127.0.0.1:${plan.toPort}`)
    })
    await step('resume', 'RESUME mirror', async () => {
      inTime()
      const r = await control.query('RESUME mirror')
      rec.pauseMs = round(performance.now() - pauseStart)
      paused = false
      if (r.command !== 'RESUME') throw new Error(`RESUME answered with tag ${r.command}`)
    })
    // ---- live on the new color ----
  } catch (e) {
    await undo(deps, rec, { control, pauser, session, toC, paused, retargeted, slotCreated, reverse, pauseStart })
    session.close()
    rec.state = 'undone'
    rec.message = `${(e as Error).message}; the switch was undone and ${plan.from.toUpperCase()} stays live`
    rec.endedAt = new Date().toISOString()
    deps.state.saveSwitch(rec)
    await Promise.all([fromC?.end(), toC.end(), control.end(), pauser.end()].map((p) => p?.catch(() => {})))
    return rec
  }
  destroy(pauser)
  const problems: string[] = []
  await step('clear-lease', 'the pause lease is released', () => session.clear(rec.id)).catch((e: Error) => problems.push(`lease: ${e.message}`))
  session.close()
  await step('smoke', `a query through PgBouncer must be answered by ${plan.to.toUpperCase()}`, () => smoke(deps.appTarget(), plan.toPort)).catch((e: Error) =>
    problems.push(`smoke query: ${e.message}`)
  )
  await step('replication', `operator writes on ${plan.to.toUpperCase()} now flow back to ${plan.from.toUpperCase()}`, () =>
    fromC ? reverseReplication(deps, { ...plan, reversePoint: rec.reversePoint }, fromC, toC) : Promise.reject(new Error(`${plan.from.toUpperCase()} is unreachable`))
  ).catch((e: Error) => problems.push(`replication back to ${plan.from.toUpperCase()}: ${e.message}`))
  await Promise.all([fromC?.end(), toC.end(), control.end()].map((p) => p?.catch(() => {})))
  rec.state = 'done'
  rec.step = 'done'
  rec.message = [rec.message, ...problems].filter(Boolean).join('; ') || null
  rec.endedAt = new Date().toISOString()
  deps.state.saveSwitch(rec)
  return rec
}

async function undo(
  deps: SwitchDeps,
  rec: SwitchRecord,
  s: { control: pg.Client; pauser: pg.Client; session: ControlSession; toC: pg.Client; paused: boolean; retargeted: boolean; slotCreated: boolean; reverse: string; pauseStart: number }
): Promise<void> {
  destroy(s.pauser) // never RESUME while a PAUSE may still be pending on another connection
  let control = s.control
  const fresh = async (): Promise<pg.Client> => (control = await deps.bouncer.connect())
  const t = performance.now()
  if (s.retargeted) {
    await s.session.retarget(rec.fromPort).catch(() => deps.bouncer.retarget(rec.fromPort)).catch(() => {})
    await control.query('RELOAD').catch(async () => (await fresh()).query('RELOAD'))
  }
  if (s.pauseStart) {
    const m = await deps.bouncer.mirror(control).catch(async () => deps.bouncer.mirror(await fresh()))
    if (m?.paused) await control.query('RESUME mirror')
    rec.pauseMs = round(performance.now() - s.pauseStart)
  }
  rec.steps.push({ step: 'undo', ms: round(performance.now() - t), at: new Date().toISOString() })
  await s.session.clear(rec.id).catch(() => deps.bouncer.clearLease(rec.id)).catch(() => {})
  if (s.slotCreated) await dropSlotIfExists(s.toC, s.reverse).catch(() => {})
}

/** After RESUME: the new standby (old live) subscribes to the new live color through the slot made during the pause. */
export async function reverseReplication(
  deps: SwitchDeps, plan: { from: Color; to: Color; toPort: number; reversePoint: string | null }, fromC: pg.ClientBase, toC: pg.ClientBase
): Promise<void> {
  await flushApplied(toC) // what arrived from the old live color is on disk before its slot goes
  await dropSubscription(toC, subscriptionName(plan.from, plan.to))
  await dropSlotIfExists(fromC, subscriptionName(plan.from, plan.to))
  await syncSequences(fromC, toC)
  const slot = subscriptionName(plan.to, plan.from)
  if (plan.reversePoint) {
    // What the slot holds before the pause point came from the old live color: skip it.
    await toC.query(
      `SELECT pg_replication_slot_advance($1, $2::pg_lsn) FROM pg_replication_slots WHERE slot_name = $1 AND confirmed_flush_lsn < $2::pg_lsn`,
      [slot, plan.reversePoint]
    )
  }
  const t = deps.colorTarget(plan.to)
  const exists = await fromC.query('SELECT 1 FROM pg_subscription WHERE subname = $1', [subscriptionName(plan.to, plan.from)])
  if (!exists.rowCount)
    await createSubscription(fromC, subscriptionName(plan.to, plan.from), connInfo(plan.toPort, t.user, t.password), { copyData: false, existingSlot: true })
  await gapAuditSequence(toC, fromC)
  // The switch is finished when the flow back runs: the marker written on the new live color arrives.
  await markAndWait(toC, fromC, `back-${Date.now()}`, 15_000, 20)
}

export async function smoke(app: Target, expectPort: number, timeoutMs = 3000): Promise<void> {
  // A query queued in PgBouncer for a dead server would wait query_wait_timeout (120 s): bounded here.
  const c = new pg.Client({ host: '127.0.0.1', port: app.port, user: app.user, password: app.password, database: app.database, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, application_name: 'fda-offline-smoke' })
  c.on('error', () => {})
  try {
    await c.connect()
    const r = await c.query<{ port: number }>('SELECT inet_server_port() AS port')
    if (Number(r.rows[0].port) !== expectPort) throw new Error(`answered by port ${r.rows[0].port}, expected ${expectPort}`)
  } finally {
    await c.end().catch(() => {})
  }
}

async function connectTo(t: Target): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port: t.port, user: t.user, password: t.password, database: t.database, connectionTimeoutMillis: 3000, application_name: 'fda-offline-deploy' })
  c.on('error', () => {})
  await c.connect()
  return c
}

const round = (ms: number): number => Math.round(ms * 10) / 10
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
