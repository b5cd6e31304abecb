import { execFileSync, spawnSync } from 'node:child_process'
import { appendFileSync, cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { prepareRunningDatabases } from '../../src/main/app/lifecycle'
import { runCli } from '../../src/main/cli/main'
import { APP_ROLE, READER_ROLE } from '../../src/main/db/database'
import { prepareColor } from '../../src/main/db/prepare'
import { readMigrations } from '../../src/main/db/migrate'
import { testStack } from '../support/test-stack'

const s = testStack(55520)
const PASSWORD = 'correct horse battery staple'
const admin = () => s.services.stack.target('blue')
async function asAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  return s.services.db.admin('blue', fn)
}
async function asRole<T>(user: string, password: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ host: '127.0.0.1', port: s.ports.pgbouncer, user, password, database: 'mirror' })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}
const auditActions = async (since: number) =>
  (await s.services.db.app().query('SELECT seq, action, username, after, client FROM console.audit_log WHERE seq > $1 ORDER BY seq', [since])).rows
const headSeq = async () => (await s.services.audit.head())?.seq ?? 0

beforeAll(async () => {
  const job = await s.client.stack.up({ green: false })
  const done = await s.services.jobs.wait(job.id)
  if (done.state !== 'succeeded') throw new Error(`stack up failed: ${done.error}`)
  // The shared client signs in as the first administrator (its context keeps the session).
  await s.client.auth.setupFirstAdmin({ username: 'alice', printedName: 'Alice Admin', password: PASSWORD })
})
afterAll(() => s.teardown())

describe('migrations', () => {
  it('applied on the fresh BLUE; applying again changes nothing', async () => {
    const versions = await asAdmin((c) => c.query('SELECT version, file FROM console.schema_migrations ORDER BY version'))
    expect(versions.rows.map((r) => r.file)).toEqual(readdirSync(s.services.sqlDir).filter((f) => f.endsWith('.sql')).sort())
    const before = await asAdmin((c) => c.query("SELECT count(*)::int AS n FROM pg_class WHERE relnamespace IN ('openfda'::regnamespace, 'console'::regnamespace)"))
    const again = await prepareColor(s.services.db, 'blue', readMigrations(s.services.sqlDir))
    expect(again.applied).toEqual([])
    const after = await asAdmin((c) => c.query("SELECT count(*)::int AS n FROM pg_class WHERE relnamespace IN ('openfda'::regnamespace, 'console'::regnamespace)"))
    expect(after.rows[0].n).toBe(before.rows[0].n)
  })

  it('an edited applied migration stops start-up with a message naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fda-sql-'))
    cpSync(s.services.sqlDir, dir, { recursive: true })
    appendFileSync(join(dir, '0003_openfda.sql'), '\n-- an innocent-looking edit\n')
    const original = s.services.sqlDir
    s.services.sqlDir = dir
    try {
      await expect(prepareRunningDatabases(s.services)).rejects.toThrow(/migration sql\/0003_openfda\.sql was changed after it was applied/)
    } finally {
      s.services.sqlDir = original
      rmSync(dir, { recursive: true })
    }
  })

  it('all files apply in order on a fresh PostgreSQL 15 with psql ON_ERROR_STOP', async () => {
    await asAdmin((c) => c.query('DROP DATABASE IF EXISTS fresh_check').then(() => c.query('CREATE DATABASE fresh_check')))
    const t = admin()
    for (const f of readdirSync(s.services.sqlDir).filter((x) => x.endsWith('.sql')).sort())
      execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(t.port), '-U', t.user, '-d', 'fresh_check', '-f', join(s.services.sqlDir, f)], {
        env: { ...process.env, PGPASSWORD: t.password }, stdio: ['ignore', 'ignore', 'pipe']
      })
    await asAdmin((c) => c.query('DROP DATABASE fresh_check'))
  })
})

describe('records', () => {
  it('the bundled samples of all seven endpoints load, with dates parsed', async () => {
    const job = await s.client.data.loadSamples()
    expect((await s.services.jobs.wait(job.id)).state).toBe('succeeded')
    const stats = await s.client.data.stats()
    expect(stats.map((x) => [x.endpoint, x.rows > 0])).toEqual(stats.map((x) => [x.endpoint, true]))
    const dates = await asAdmin((c) =>
      c.query(`SELECT (SELECT received_date::text FROM openfda.device_event LIMIT 1) AS event,
                      (SELECT decision_date::text FROM openfda.device_510k LIMIT 1) AS k510,
                      (SELECT count(*)::int FROM openfda.device_enforcement WHERE report_date IS NULL) AS enforcement_unparsed`)
    )
    expect(dates.rows[0]).toEqual({ event: '2012-04-26', k510: '1987-06-29', enforcement_unparsed: 0 })
  })

  it('two supplements of one PMA coexist', async () => {
    const [first] = (await s.services.records.query('pma', { limit: 1 })).rows
    const supplement = { ...first.record, supplement_number: 'S999', supplement_reason: 'Labeling change' }
    const actor = { userId: null, username: 'test', client: 'cli' as const }
    await s.services.records.upsert('pma', [supplement], 'test', actor)
    const both = await s.services.records.query('pma', { contains: { pma_number: first.record.pma_number } })
    expect(both.rows.map((r) => r.key).sort()).toEqual([first.key, `${first.record.pma_number}/S999`].sort())
  })

  it('queries by containment, filter column, date range and fuzzy name, with keyset pages', async () => {
    const r = await s.services.records.query('enforcement', { contains: { status: 'Terminated' } })
    expect(r.rows.length).toBeGreaterThan(0)
    expect(r.rows.every((x) => x.record.status === 'Terminated')).toBe(true)
    const page1 = await s.services.records.query('enforcement', { limit: 4 })
    const page2 = await s.services.records.query('enforcement', { limit: 4, after: page1.next! })
    expect(page1.next).not.toBeNull()
    expect(page2.rows[0].key > page1.rows.at(-1)!.key).toBe(true)
    const dated = await s.services.records.query('enforcement', { dateRange: { column: 'report_date', from: '2023-01-01', to: '2023-12-31' } })
    expect(dated.rows.every((x) => String(x.record.report_date).startsWith('2023'))).toBe(true)
    const [event] = (await s.services.records.query('event', { limit: 1 })).rows
    const fuzzy = await s.services.records.query('event', { fuzzy: { column: 'device_name', text: 'drug eluting stent', minSimilarity: 0.2 } })
    expect(fuzzy.rows[0]?.key).toBe(event.key)
    expect(fuzzy.rows[0].similarity).toBeGreaterThan(0.2)
  })

  it('keeps contact names encrypted at rest and returns them to the console', async () => {
    const raw = await asAdmin((c) => c.query("SELECT record ? 'manufacturer_contact_l_name' AS open, sensitive IS NOT NULL AS enc FROM openfda.device_event"))
    expect(raw.rows[0]).toEqual({ open: false, enc: true })
    const [row] = (await s.services.records.query('event', { limit: 1 })).rows
    const full = await s.services.records.get('event', row.key)
    expect(full!.record.manufacturer_contact_l_name).toBeTruthy()
  })

  it('integrity verification names a record altered behind the console', async () => {
    expect((await s.services.records.verifyIntegrity('recall')).mismatches).toEqual([])
    const [victim] = (await s.services.records.query('recall', { limit: 1 })).rows
    await asAdmin((c) => c.query(`UPDATE openfda.device_recall SET record = jsonb_set(record, '{recall_status}', '"Altered"') WHERE product_res_number = $1`, [victim.key]))
    const r = await s.services.records.verifyIntegrity('recall')
    expect(r.mismatches.map((m) => m.key)).toEqual([victim.key])
  })

  it('a change made outside a bulk job is audited row by row, with what changed', async () => {
    const since = await headSeq()
    const [victim] = (await s.services.records.query('classification', { limit: 1 })).rows
    await asRole(APP_ROLE, s.services.db.appPassword(), (c) =>
      c.query(`UPDATE openfda.device_classification SET record = jsonb_set(record, '{device_class}', '"3"') WHERE product_code = $1`, [victim.key])
    )
    const [entry] = await auditActions(since)
    expect(entry).toMatchObject({ action: 'record.update', client: 'database', username: `db:${APP_ROLE}` })
    expect(entry.after.record).toEqual({ device_class: '3' })
  })
})

describe('the audit trail', () => {
  it('is append-only for the application role', async () => {
    await asRole(APP_ROLE, s.services.db.appPassword(), async (c) => {
      await expect(c.query('UPDATE console.audit_log SET reason = $1 WHERE seq = 1', ['x'])).rejects.toThrow(/permission denied/)
      await expect(c.query('DELETE FROM console.audit_log WHERE seq = 1')).rejects.toThrow(/permission denied/)
      await expect(c.query('TRUNCATE console.audit_log')).rejects.toThrow(/permission denied/)
    })
    // Even the owner is stopped by the trigger.
    await asAdmin(async (c) => {
      await expect(c.query('UPDATE console.audit_log SET reason = $1 WHERE seq = 1', ['x'])).rejects.toThrow(/append-only/)
      await expect(c.query('DELETE FROM console.audit_log WHERE seq = 1')).rejects.toThrow(/append-only/)
    })
  })

  it('read-only agents read the mirror and nothing of the console', async () => {
    await asRole(READER_ROLE, s.services.db.readerPassword(), async (c) => {
      expect((await c.query('SELECT count(*)::int AS n FROM openfda.device_510k')).rows[0].n).toBeGreaterThan(0)
      await expect(c.query('SELECT * FROM console.users')).rejects.toThrow(/permission denied/)
      await expect(c.query("INSERT INTO openfda.device_510k (k_number, record, checksum, source) VALUES ('K1', '{}', 'x', 'x')")).rejects.toThrow(/permission denied/)
    })
  })

  it('verifies; a superuser altering one entry makes `audit verify` exit 1 naming it', async () => {
    const ok = await s.client.audit.verify()
    expect(ok.ok).toBe(true)
    expect(ok.checked).toBeGreaterThan(5)
    const target = Math.max(2, Math.floor(ok.head!.seq / 2))
    await asAdmin(async (c) => {
      await c.query('ALTER TABLE console.audit_log DISABLE TRIGGER audit_no_change')
      await c.query(`UPDATE console.audit_log SET reason = 'rewritten history' WHERE seq = $1`, [target])
      await c.query('ALTER TABLE console.audit_log ENABLE TRIGGER audit_no_change')
    })
    let err = ''
    const orig = process.stderr.write.bind(process.stderr)
    process.stderr.write = ((x: string) => ((err += x), true)) as typeof process.stderr.write
    const out = process.stdout.write.bind(process.stdout)
    process.stdout.write = (() => true) as typeof process.stdout.write
    const { token } = await s.services.users.login('alice', PASSWORD, 'cli', 'cli-token')
    let code: number
    try {
      code = await runCli(['--home', s.home, '--token', token, 'audit', 'verify'])
    } finally {
      process.stderr.write = orig
      process.stdout.write = out
    }
    expect(code).toBe(1)
    expect(err).toContain(`audit trail broken at entry ${target}`)
    // Put it back so the other tests see a sound chain.
    await asAdmin(async (c) => {
      await c.query('ALTER TABLE console.audit_log DISABLE TRIGGER audit_no_change')
      const r = await c.query('SELECT reason FROM console.audit_log WHERE seq = $1', [target])
      expect(r.rows[0].reason).toBe('rewritten history')
      await c.query('UPDATE console.audit_log SET reason = NULL WHERE seq = $1', [target])
      await c.query('ALTER TABLE console.audit_log ENABLE TRIGGER audit_no_change')
    })
  })
})

describe('console users', () => {
  it('one first admin only; five wrong passwords lock an account with a clear message, each attempt audited', async () => {
    expect((await s.client.auth.state()).user?.username).toBe('alice')
    await expect(s.client.auth.setupFirstAdmin({ username: 'mallory', printedName: 'M', password: PASSWORD })).rejects.toThrow(/already exists/)
    await s.client.users.create({ username: 'bob', printedName: 'Bob Operator', role: 'operator', password: 'temporary password 1' })
    const since = await headSeq()
    const errors: string[] = []
    for (let i = 0; i < 5; i++) errors.push(await s.services.users.authenticate('bob', 'wrong', 'cli', 'login').then(() => 'ok', (e: Error) => e.message))
    expect(errors.slice(0, 4).every((m) => /Wrong user name or password/.test(m))).toBe(true)
    expect(errors[4]).toBe('Wrong password. The account bob is now locked after 5 failed attempts.')
    await expect(s.services.users.authenticate('bob', 'temporary password 1', 'cli', 'login')).rejects.toThrow('The account bob is locked after 5 failed sign-in attempts.')
    const entries = await auditActions(since)
    expect(entries.filter((e) => e.action === 'user.login_failed').map((e) => e.after.attempt ?? e.after.reason)).toEqual([1, 2, 3, 4, 5, 'account locked'])
    expect(entries.some((e) => e.action === 'user.lock')).toBe(true)
    const bob = (await s.client.users.list()).find((u) => u.username === 'bob')!
    expect(bob.locked).toBe(true)
  })

  it('an admin unlocks by resetting the password; the user must change it; roles gate procedures', async () => {
    await s.client.users.resetPassword({ username: 'bob', temporaryPassword: 'temporary password 2' })
    const bobCtx = { services: s.services, auth: { token: null as string | null } }
    const { createRouterClient } = await import('@orpc/server')
    const { router } = await import('../../src/main/app/router')
    const bobApi = createRouterClient(router, { context: bobCtx })
    const state = await bobApi.auth.login({ username: 'bob', password: 'temporary password 2' })
    expect(state.mustChangePassword).toBe(true)
    await expect(bobApi.status.get()).rejects.toThrow(/Your password has expired or was reset/)
    await bobApi.auth.changePassword({ current: 'temporary password 2', next: 'a long passphrase of mine' })
    await expect(bobApi.users.list()).rejects.toThrow(/needs the admin role/)
    expect((await bobApi.status.get()).healthy).toBe(true)
    await bobApi.auth.logout()
    await expect(bobApi.status.get()).rejects.toThrow(/Sign in first/)
  })

  it('password aging: an expired password must be changed; the setting is validated and audited', async () => {
    await expect(s.client.settings.set({ key: 'auth.passwordMaxAgeDays', value: 0 })).rejects.toThrow(/from 1 to 3650 days/)
    await expect(s.client.settings.set({ key: 'auth.nope', value: 3 })).rejects.toThrow(/There is no setting auth.nope/)
    const since = await headSeq()
    await s.client.settings.set({ key: 'auth.passwordMaxAgeDays', value: 30 })
    expect((await auditActions(since)).find((e) => e.action === 'settings.change')?.after).toEqual({ value: 30 })
    await asAdmin((c) => c.query("UPDATE console.users SET password_changed_at = now() - interval '31 days' WHERE username = 'bob'"))
    const session = await s.services.users.login('bob', 'a long passphrase of mine', 'cli')
    expect(session.mustChangePassword).toBe(true)
    await s.services.users.logout(session, 'cli')
    await s.client.settings.set({ key: 'auth.passwordMaxAgeDays', value: 90 })
  })

  it('the CLI takes the admin\'s password and then the new user\'s temporary one from standard input, one per line', async () => {
    const cli = (args: string[], input: string) =>
      spawnSync(process.execPath, [join(__dirname, '../../bin/fda-offline.mjs'), '--home', s.home, '--user', 'alice', '--password-stdin', ...args], { input })
    const created = cli(['users', 'create', '--username', 'dave', '--printed-name', 'Dave Viewer', '--role', 'viewer'], `${PASSWORD}\ntemporary password 5\n`)
    expect(created.status, created.stderr.toString()).toBe(0)
    expect((await s.services.users.login('dave', 'temporary password 5', 'cli')).mustChangePassword).toBe(true)
    const reset = cli(['users', 'reset-password', 'dave'], `${PASSWORD}\ntemporary password 6\n`)
    expect(reset.status, reset.stderr.toString()).toBe(0)
    await expect(s.services.users.login('dave', 'temporary password 5', 'cli')).rejects.toThrow(/Wrong user name or password/)
    expect((await s.services.users.login('dave', 'temporary password 6', 'cli')).mustChangePassword).toBe(true)
    const missing = cli(['users', 'reset-password', 'dave'], `${PASSWORD}\n`)
    expect(missing.status).toBe(2)
    expect(missing.stderr.toString()).toMatch(/expected a password on standard input/)
  })

  it('a disabled user cannot sign in, and user names are never reused', async () => {
    await s.client.users.create({ username: 'carol', printedName: 'Carol', role: 'viewer', password: 'temporary password 3' })
    await s.client.users.disable({ username: 'carol' })
    await expect(s.services.users.login('carol', 'temporary password 3', 'cli')).rejects.toThrow(/disabled/)
    await expect(s.client.users.create({ username: 'Carol', printedName: 'Carol 2', role: 'viewer', password: 'temporary password 4' })).rejects.toThrow(/never reused/)
  })

  it('an e-signature re-authenticates and is bound to the entry it signs', async () => {
    const ctx = { services: s.services, auth: { token: null as string | null } }
    const { createRouterClient } = await import('@orpc/server')
    const { router } = await import('../../src/main/app/router')
    const api = createRouterClient(router, { context: ctx })
    await api.auth.login({ username: 'alice', password: PASSWORD })
    const target = (await s.services.db.app().query("SELECT seq, hash FROM console.audit_log WHERE action = 'data.load' ORDER BY seq LIMIT 1")).rows[0]
    await expect(api.audit.sign({ seq: Number(target.seq), meaning: 'review', username: 'bob', password: 'a long passphrase of mine' })).rejects.toThrow(/person who is signed in/)
    await expect(api.audit.sign({ seq: Number(target.seq), meaning: 'review', username: 'alice', password: 'wrong' })).rejects.toThrow(/Wrong user name or password/)
    const sig = await api.audit.sign({ seq: Number(target.seq), meaning: 'review', username: 'alice', password: PASSWORD, comment: 'samples checked' })
    expect(sig).toMatchObject({ signedSeq: Number(target.seq), printedName: 'Alice Admin', meaning: 'review' })
    const entry = (await s.services.db.app().query('SELECT action, after, reason FROM console.audit_log WHERE seq = $1', [sig.signatureSeq])).rows[0]
    expect(entry).toMatchObject({ action: 'signature', reason: 'review' })
    expect(entry.after).toMatchObject({ signedSeq: Number(target.seq), signedHash: target.hash, printedName: 'Alice Admin' })
    expect((await s.client.audit.verify()).ok).toBe(true)
  })
})
