import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APP_ROLE } from '../../src/main/db/database'
import { createDockerClient } from '../../src/main/stack/docker-client'
import { containerName, volumeNames } from '../../src/main/stack/spec'
import { TLS_SECRETS } from '../../src/main/stack/tls'
import { testStack } from '../support/test-stack'

// Port block of issue 8 (60400–60499). Clients through PgBouncer must use TLS here.
const s = testStack(60400, { tls: 'require' })

beforeAll(async () => {
  const job = await s.client.stack.up({ green: false })
  const done = await s.services.jobs.wait(job.id)
  if (done.state !== 'succeeded') throw new Error(`stack up failed: ${done.error}`)
})
afterAll(() => s.teardown())

describe('TLS inside the stack', () => {
  it('keeps a per-stack CA in the secret store', () => {
    for (const name of Object.values(TLS_SECRETS)) expect(s.services.secrets.get(name), name).toMatch(/-----BEGIN /)
  })

  it('the console reaches PostgreSQL through PgBouncer over TLS, and PgBouncer reaches PostgreSQL over TLS', async () => {
    const r = await s.services.db.app().query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')
    // The backend is PgBouncer's server connection: TLS between PgBouncer and PostgreSQL.
    expect(r.rows[0].ssl).toBe(true)
    const direct = await s.services.db.admin('blue', (c) => c.query<{ ssl: boolean; version: string }>('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()'))
    expect(direct.rows[0]).toMatchObject({ ssl: true })
    expect(direct.rows[0].version).toMatch(/TLSv1\.[23]/)
  })

  it('PgBouncer refuses clients without TLS, and clients that do not trust the stack CA', async () => {
    const password = s.services.db.appPassword()
    const plain = new pg.Client({ host: '127.0.0.1', port: s.ports.pgbouncer, user: APP_ROLE, password, database: 'mirror', ssl: false })
    plain.on('error', () => {})
    await expect(plain.connect()).rejects.toThrow()
    const untrusting = new pg.Client({ host: '127.0.0.1', port: s.ports.pgbouncer, user: APP_ROLE, password, database: 'mirror', ssl: { rejectUnauthorized: true } })
    untrusting.on('error', () => {})
    await expect(untrusting.connect()).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i)
  })

  it('a second stack up is a no-op for TLS and everything still connects', async () => {
    const job = await s.client.stack.up({ green: false })
    expect((await s.services.jobs.wait(job.id)).state).toBe('succeeded')
    expect((await s.services.audit.verify()).ok).toBe(true)
    expect((await s.client.status.get()).healthy).toBe(true)
  })

  it('a PgBouncer volume removed behind the console\'s back gets TLS again at the next stack up', async () => {
    const docker = createDockerClient()
    await docker.getContainer(containerName(s.stackName, 'pgbouncer')).remove({ force: true })
    await docker.getVolume(volumeNames(s.stackName).pgbouncer).remove()
    await s.services.db.close()
    const job = await s.client.stack.up({ green: false })
    const done = await s.services.jobs.wait(job.id)
    expect(done.state, done.error ?? '').toBe('succeeded')
    const r = await s.services.db.app().query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')
    expect(r.rows[0].ssl).toBe(true)
  })
})
