import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APP_ROLE, BACKUP_PASSWORD_SECRET, BACKUP_ROLE, READER_ROLE } from '../../src/main/db/database'
import { testStack } from '../support/test-stack'

// Port block of issue 8 (60400–60499).
const s = testStack(60450)

async function as<T>(user: string, password: string, port: number, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ host: '127.0.0.1', port, user, password, database: 'mirror' })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}
const denied = (p: Promise<unknown>) => expect(p).rejects.toThrow(/permission denied|must be|append-only|not allowed/)

beforeAll(async () => {
  const job = await s.client.stack.up({ green: false, samples: true })
  const done = await s.services.jobs.wait(job.id)
  if (done.state !== 'succeeded') throw new Error(`stack up failed: ${done.error}`)
})
afterAll(() => s.teardown())

describe('database roles: least privilege', () => {
  it('no login role but the administrator is a superuser or may create roles or databases', async () => {
    const roles = await s.services.db.admin('blue', (c) =>
      c.query<{ rolname: string; rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolreplication: boolean }>(
        "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication FROM pg_roles WHERE rolcanlogin AND rolname LIKE 'fda%' ORDER BY rolname"
      )
    )
    expect(roles.rows.map((r) => r.rolname)).toEqual(['fda_admin', BACKUP_ROLE, APP_ROLE, READER_ROLE].sort())
    for (const r of roles.rows.filter((x) => x.rolname !== 'fda_admin')) expect(r, r.rolname).toMatchObject({ rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolreplication: false })
  })

  it('the console role appends to the audit trail but cannot change it, nor its triggers, nor roles', async () => {
    const app = s.services.db.app()
    await denied(app.query("UPDATE console.audit_log SET reason = 'x'"))
    await denied(app.query('DELETE FROM console.audit_log'))
    await denied(app.query('ALTER TABLE console.audit_log DISABLE TRIGGER audit_no_change'))
    await denied(app.query('ALTER TABLE openfda.device_510k DISABLE TRIGGER ALL'))
    await denied(app.query('CREATE ROLE intruder SUPERUSER'))
  })

  it('read-only agents read the mirror and nothing of the console; backups read everything and write nothing', async () => {
    const reader = s.services.db.readerPassword()
    await as(READER_ROLE, reader, s.ports.pgbouncer, async (c) => {
      expect(Number((await c.query('SELECT count(*) AS n FROM openfda.device_510k')).rows[0].n)).toBeGreaterThan(0)
      await denied(c.query('SELECT * FROM console.users'))
      await denied(c.query("UPDATE openfda.device_510k SET source = 'x'"))
    })
    const backup = s.services.secrets.get(BACKUP_PASSWORD_SECRET)!
    expect(backup).toBeTruthy()
    await as(BACKUP_ROLE, backup, s.ports.blue, async (c) => {
      expect(Number((await c.query('SELECT count(*) AS n FROM console.audit_log')).rows[0].n)).toBeGreaterThan(0)
      expect(Number((await c.query('SELECT count(*) AS n FROM openfda.device_510k')).rows[0].n)).toBeGreaterThan(0)
      await denied(c.query("INSERT INTO console.settings (key, value) VALUES ('x', '1')"))
      await denied(c.query("UPDATE openfda.device_510k SET source = 'x'"))
    })
  })
})
