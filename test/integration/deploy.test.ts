import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Color } from '../../src/shared/schemas'
import { READER_ROLE } from '../../src/main/db/database'
import { verifySealedSegments } from '../../src/main/deploy/segments'
import { pgbench, pgbenchSummary } from '../support/pgbench'
import { testStack } from '../support/test-stack'

// Blue-green on a real stack: prepare GREEN by clone, promote and roll back under 100 pgbench clients
// through PgBouncer, audit continuity across promote → rollback → promote, and the guardrails.
const s = testStack(60200)
const PASSWORD = 'deploy test passphrase'
const sign = { username: 'alice', password: PASSWORD }

async function job(start: Promise<{ id: string }>): Promise<{ state: string; error: string | null; message: string | null }> {
  const j = await start
  const done = await s.services.jobs.wait(j.id)
  return { state: done.state, error: done.error ?? null, message: (done as { message?: string | null }).message ?? null }
}

async function onColor<T>(color: Color, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  return s.services.db.admin(color, fn)
}

beforeAll(async () => {
  const up = await job(s.client.stack.up({ green: false, samples: true }))
  if (up.state !== 'succeeded') throw new Error(`stack up failed: ${up.error}`)
  await s.client.auth.setupFirstAdmin({ username: 'alice', printedName: 'Alice Admin', password: PASSWORD })
  await s.client.settings.set({ key: 'deploy.healthWindowSeconds', value: 2 })
  await s.client.settings.set({ key: 'deploy.minFreeDiskMb', value: 64 })
}, 300_000)
afterAll(() => s.teardown(), 120_000)

const load = (seconds: number) =>
  pgbench(s.stackName, { port: s.ports.pgbouncer, user: READER_ROLE, password: s.services.db.readerPassword(), clients: 100, seconds })

describe('blue-green deployment', () => {
  it('prepares GREEN as a copy of BLUE with operator tables replicating, and all guardrails pass', async () => {
    const p = await job(s.client.deploy.prepare())
    expect(p.state, p.error ?? '').toBe('succeeded')
    const st = await s.client.deploy.status({ content: true })
    expect(st.live).toBe('blue')
    expect(st.standby).toBe('green')
    const green = st.colors.find((c) => c.color === 'green')!
    expect(green.replication.from).toBe('blue')
    expect(green.replication.enabled).toBe(true)
    const blue = st.colors.find((c) => c.color === 'blue')!
    for (const x of green.content) {
      expect(x.rows).toBe(x.expectedRows)
      expect(x.digest).toBe(blue.content.find((b) => b.endpoint === x.endpoint)!.digest)
    }
    expect(green.content.reduce((n, x) => n + x.rows, 0)).toBeGreaterThan(0)
    // users and the audit trail came along; a new operator write on BLUE arrives on GREEN
    await s.client.settings.set({ key: 'deploy.maxTransactionSeconds', value: 20 })
    await new Promise((r) => setTimeout(r, 500))
    const onGreen = await onColor('green', (c) => c.query("SELECT value FROM console.settings WHERE key = 'deploy.maxTransactionSeconds'"))
    expect(Number(onGreen.rows[0].value)).toBe(20)
    const v = await s.client.deploy.verify()
    expect(v.guardrails.filter((g) => !g.ok)).toEqual([])
  }, 300_000)

  it('promotes under 100 pgbench clients: 0 failed transactions, pause under 1 s, GREEN answers', async () => {
    const bench = load(12)
    await new Promise((r) => setTimeout(r, 3000))
    const p = await job(s.client.deploy.promote(sign))
    const result = await bench
    console.log(`promote under load: ${pgbenchSummary(result)}`)
    expect(p.state, p.error ?? '').toBe('succeeded')
    const rec = (await s.client.deploy.history())[0]
    console.log(`promote pause ${rec.pauseMs} ms; steps ${rec.steps.map((x) => `${x.step}=${x.ms}`).join(' ')}`)
    expect(rec).toMatchObject({ kind: 'promote', state: 'done', from: 'blue', to: 'green', message: null })
    expect(rec.pauseMs!).toBeLessThan(1000)
    expect(result.exitCode).toBe(0)
    expect(result.failed).toBe(0)
    expect(result.aborted).toBe(false)
    expect(result.processed).toBeGreaterThan(100)
    expect((await s.client.status.get()).liveColor).toBe('green')
    expect((await s.client.deploy.status({ content: false })).colors.find((c) => c.color === 'blue')!.replication.from).toBe('green')
  }, 120_000)

  it('rolls back under 100 pgbench clients, losing nothing written on GREEN', async () => {
    await s.client.settings.set({ key: 'deploy.maxTransactionSeconds', value: 21 }) // written on GREEN
    const bench = load(10)
    await new Promise((r) => setTimeout(r, 3000))
    const r = await job(s.client.deploy.rollback(sign))
    const result = await bench
    console.log(`rollback under load: ${pgbenchSummary(result)}`)
    expect(r.state, r.error ?? '').toBe('succeeded')
    const rec = (await s.client.deploy.history())[0]
    console.log(`rollback pause ${rec.pauseMs} ms; steps ${rec.steps.map((x) => `${x.step}=${x.ms}`).join(' ')}`)
    expect(rec).toMatchObject({ kind: 'rollback', state: 'done', from: 'green', to: 'blue' })
    expect(rec.pauseMs!).toBeLessThan(1000)
    expect(result.failed).toBe(0)
    expect(result.aborted).toBe(false)
    expect((await s.client.status.get()).liveColor).toBe('blue')
    const onBlue = await onColor('blue', (c) => c.query("SELECT value FROM console.settings WHERE key = 'deploy.maxTransactionSeconds'"))
    expect(Number(onBlue.rows[0].value)).toBe(21)
  }, 120_000)

  it('after promote → rollback → promote the audit trail verifies and holds every entry of either color', async () => {
    // A refresh writes its own segment on the standby (what issue 5a's orchestrator does)
    await onColor('green', async (c) => {
      for (const n of [1, 2])
        await c.query(`INSERT INTO console.audit_log (seq, ts, username, action, after, client, segment, prev_hash, hash)
                       VALUES (0, now(), 'system', 'refresh.batch', $1, 'system', 'refresh-test', '', '')`, [JSON.stringify({ n })])
    })
    const p = await job(s.client.deploy.promote(sign))
    expect(p.state, p.error ?? '').toBe('succeeded')
    await s.client.settings.set({ key: 'deploy.maxTransactionSeconds', value: 22 })
    const verify = await s.client.audit.verify()
    expect(verify.ok, JSON.stringify(verify.broken)).toBe(true)
    const seqs = async (color: Color) => (await onColor(color, (c) => c.query<{ seq: string }>("SELECT seq::text FROM console.audit_log WHERE segment = 'main' ORDER BY seq"))).rows.map((x) => x.seq)
    // what GREEN (live) writes flows back to BLUE (warm)
    let [b, g] = [[] as string[], [] as string[]]
    for (let i = 0; i < 50; i++) {
      ;[b, g] = await Promise.all([seqs('blue'), seqs('green')])
      if (b.length === g.length) break
      await new Promise((r) => setTimeout(r, 200))
    }
    expect(g).toEqual(b)
    const actions = (await onColor('green', (c) => c.query<{ action: string }>("SELECT action FROM console.audit_log WHERE action LIKE 'deploy.%' ORDER BY seq"))).rows.map((x) => x.action)
    expect(actions).toEqual(expect.arrayContaining(['deploy.prepare', 'deploy.promote.request', 'deploy.promote.switched', 'deploy.rollback.request', 'deploy.rollback.switched']))
    // the refresh segment is on both colors, sealed in the main chain, and verifies against its seal
    for (const color of ['blue', 'green'] as Color[]) {
      const seg = await onColor(color, (c) => c.query("SELECT hash FROM console.audit_log WHERE segment = 'refresh-test' ORDER BY seq"))
      expect(seg.rows).toHaveLength(2)
      const v = await onColor(color, (c) => verifySealedSegments(s.services.audit, c))
      expect(v.problems).toEqual([])
      expect(v.checked).toBeGreaterThanOrEqual(1)
    }
    const sigs = await onColor('green', (c) => c.query("SELECT count(*)::int AS n FROM console.audit_log WHERE action = 'signature' AND reason = 'approval'"))
    expect(sigs.rows[0].n).toBeGreaterThanOrEqual(3)
    // roll back again so the guardrail tests start from BLUE live, GREEN standby
    const r = await job(s.client.deploy.rollback(sign))
    expect(r.state, r.error ?? '').toBe('succeeded')
  }, 180_000)

  it('rolls back automatically (signed by the system) when the health probe fails after a promotion', async () => {
    await s.client.settings.set({ key: 'deploy.healthWindowSeconds', value: 20 })
    try {
      const j = await s.client.deploy.promote(sign)
      for await (const e of await s.client.jobs.watch({ jobId: j.id })) {
        if (e.phase === 'health') break
        if (e.state !== 'running') throw new Error(`the promotion ended before its health probe: ${e.message}`)
      }
      await s.services.deploy.container('green').stop({ t: 5 })
      const done = await s.services.jobs.wait(j.id)
      expect(done.state).toBe('failed')
      expect(done.error).toMatch(/rolled back automatically to BLUE \(done/)
      expect((await s.client.status.get()).liveColor).toBe('blue')
      const auto = (await s.client.deploy.history())[0]
      expect(auto).toMatchObject({ kind: 'auto-rollback', state: 'done', from: 'green', to: 'blue', by: 'system' })
      const sig = await onColor('blue', (c) => c.query("SELECT after FROM console.audit_log WHERE seq = $1", [auto.signatureSeq]))
      expect(sig.rows[0].after).toMatchObject({ meaning: 'approval', printedName: 'FDA Offline Console (automatic rollback)' })
      expect((await s.client.audit.verify()).ok).toBe(true)
    } finally {
      await s.client.settings.set({ key: 'deploy.healthWindowSeconds', value: 2 })
    }
    // GREEN is prepared afresh for what follows
    const p = await job(s.client.deploy.prepare())
    expect(p.state, p.error ?? '').toBe('succeeded')
  }, 180_000)

  it('SIGKILL of the console right after PAUSE: the watchdog resumes within the deadline, the next start settles the switch', async () => {
    const cli = spawn(process.execPath, [join(process.cwd(), 'bin', 'fda-offline.mjs'), '--home', s.home, '--user', 'alice', '--password-stdin', 'deploy', 'promote'], {
      env: { ...process.env, FDA_DEPLOY_HANG_AFTER: 'pause' }, stdio: ['pipe', 'ignore', 'pipe']
    })
    cli.stdin.end(PASSWORD + '\n')
    let stderr = ''
    cli.stderr.on('data', (d) => (stderr += String(d)))
    const stateFile = join(s.home, 'deploy', 'state.json')
    const until = Date.now() + 60_000
    let pausedAt = 0
    while (!pausedAt) {
      if (Date.now() > until || cli.exitCode !== null) throw new Error(`the CLI never reached PAUSE: ${stderr}`)
      const st = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : { switches: [] }
      const running = st.switches.find((x: { state: string; step: string }) => x.state === 'running' && x.step === 'pause')
      if (running) pausedAt = Date.now()
      else await new Promise((r) => setTimeout(r, 20))
    }
    cli.kill('SIGKILL')
    const admin = new pg.Client({ host: '127.0.0.1', ...s.services.stack.target('pgbouncer', 'pgbouncer') })
    await admin.connect()
    let resumedAfter = -1
    try {
      expect((await admin.query('SHOW DATABASES')).rows.find((r) => r.name === 'mirror').paused).toBe(1)
      while (Date.now() - pausedAt < 15_000) {
        const m = (await admin.query('SHOW DATABASES')).rows.find((r) => r.name === 'mirror')
        if (Number(m.paused) === 0) {
          resumedAfter = Date.now() - pausedAt
          expect(Number(m.port)).toBe(s.ports.blue)
          break
        }
        await new Promise((r) => setTimeout(r, 50))
      }
    } finally {
      await admin.end()
    }
    console.log(`killed after PAUSE; the watchdog resumed the pool ${resumedAfter} ms later`)
    expect(resumedAfter).toBeGreaterThan(0)
    expect(resumedAfter).toBeLessThanOrEqual(5_000) // deploy.pauseDeadlineSeconds
    // the next start of a console finds the half-done switch and settles it
    const st = await s.client.deploy.status({ content: false })
    expect(st.recovered).toMatch(/half-done switch found at step "pause".*watchdog: .*lease expired: restored port.*resumed.*undone: BLUE is live/)
    expect(st.history[0]).toMatchObject({ state: 'recovered-undone', kind: 'promote' })
    expect(st.live).toBe('blue')
    const v = await s.client.deploy.verify()
    expect(v.guardrails.filter((g) => !g.ok)).toEqual([])
  }, 120_000)

  it('blocks on an old open transaction on the live color, naming it', async () => {
    const t = s.services.stack.target('blue')
    const c = new pg.Client({ host: '127.0.0.1', ...t, application_name: 'long-report' })
    c.on('error', () => {})
    await c.connect()
    try {
      await c.query('BEGIN')
      await c.query('SELECT txid_current()')
      await s.client.settings.set({ key: 'deploy.maxTransactionSeconds', value: 1 })
      await new Promise((r) => setTimeout(r, 1500))
      const v = await s.client.deploy.verify()
      const g = v.guardrails.find((x) => x.id === 'old-transactions')!
      expect(g.ok).toBe(false)
      expect(g.detail).toMatch(/long-report/)
      await expect(s.client.deploy.promote(sign)).rejects.toThrow(/Guardrails block the promote: no transaction on BLUE .*long-report/)
      // an administrator may override with a reason, recorded and signed
      const reason = 'the long report reads BLUE directly, not through PgBouncer'
      const o = await job(s.client.deploy.promote({ ...sign, overrideReason: reason }))
      expect(o.state, o.error ?? '').toBe('succeeded')
      const rec = (await s.client.deploy.history())[0]
      expect(rec).toMatchObject({ kind: 'promote', state: 'done', overrideReason: reason })
      const sig = await onColor('green', (c) => c.query('SELECT after FROM console.audit_log WHERE seq = $1', [rec.signatureSeq]))
      expect(sig.rows[0].after.comment).toBe(`override of old-transactions: ${reason}`)
      // the open transaction is now on the standby (BLUE): it would hold up the switch back, and blocks it
      await expect(s.client.deploy.rollback(sign)).rejects.toThrow(/no transaction on BLUE .*long-report/)
      await c.query('ROLLBACK')
      const back = await job(s.client.deploy.rollback(sign))
      expect(back.state, back.error ?? '').toBe('succeeded')
    } finally {
      await c.query('ROLLBACK').catch(() => {})
      await c.end()
      await s.client.settings.set({ key: 'deploy.maxTransactionSeconds', value: 15 })
    }
  }, 60_000)

  it('blocks when GREEN misses rows', async () => {
    await onColor('green', async (c) => {
      await c.query('BEGIN')
      await c.query('SET LOCAL session_replication_role = replica')
      await c.query('DELETE FROM openfda.device_510k WHERE ctid IN (SELECT ctid FROM openfda.device_510k LIMIT 1)')
      await c.query('COMMIT')
    })
    const v = await s.client.deploy.verify()
    const g = v.guardrails.find((x) => x.id === 'content')!
    expect(g.ok).toBe(false)
    expect(g.detail).toMatch(/510k: \d+ rows, expected \d+/)
    await expect(s.client.deploy.promote(sign)).rejects.toThrow(/rows and digests per endpoint/)
  }, 60_000)

  it('blocks when GREEN is stopped', async () => {
    await s.services.deploy.container('green').stop({ t: 10 })
    const v = await s.client.deploy.verify()
    const g = v.guardrails.find((x) => x.id === 'standby-healthy')!
    expect(g.ok).toBe(false)
    expect(g.detail).toMatch(/GREEN's container is exited/)
    await expect(s.client.deploy.promote(sign)).rejects.toThrow(/GREEN healthy and accepting connections/)
    expect((await s.client.status.get()).liveColor).toBe('blue')
  }, 60_000)
})
