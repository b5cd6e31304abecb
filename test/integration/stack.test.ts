import { createServer, type Server } from 'node:net'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDockerClient } from '../../src/main/stack/docker-client'
import { testStack } from '../support/test-stack'

// Against the real Docker engine: BLUE and PgBouncer on test ports under a unique stack name.
const s = testStack(55320)

beforeAll(async () => {
  const job = await s.client.stack.up({ green: false })
  const done = await s.services.jobs.wait(job.id)
  if (done.state !== 'succeeded') throw new Error(`stack up failed: ${done.error}`)
})
afterAll(() => s.teardown())

describe('the real stack', () => {
  it('status shows BLUE and PgBouncer healthy with their ports and versions, BLUE live', async () => {
    const st = await s.client.status.get()
    expect(st.healthy).toBe(true)
    const blue = st.containers.find((c) => c.role === 'blue')!
    const bouncer = st.containers.find((c) => c.role === 'pgbouncer')!
    expect(blue).toMatchObject({ state: 'running', health: 'healthy', port: s.ports.blue })
    expect(blue.version).toMatch(/^15\./)
    expect(bouncer).toMatchObject({ state: 'running', health: 'healthy', port: s.ports.pgbouncer })
    expect(bouncer.version).toMatch(/^1\.\d+/)
    expect(st.containers.find((c) => c.role === 'green')!.state).toBe('absent')
    expect(st.liveColor).toBe('blue')
    expect(st.pgbouncer.targetPort).toBe(s.ports.blue)
    expect(st.pgbouncer.pools.some((p) => p.database === 'mirror' && p.poolMode === 'transaction')).toBe(true)
    expect(st.volumes.map((v) => v.name)).toContain(`${s.stackName}-blue-data`)
  })

  it('answers queries through PgBouncer, served by BLUE with the settings later capabilities need', async () => {
    const t = s.services.stack.target('pgbouncer')
    const client = new pg.Client({ host: '127.0.0.1', ...t })
    await client.connect()
    try {
      expect((await client.query('select 1 as one')).rows[0].one).toBe(1)
      const settings = await client.query(
        "select name, setting from pg_settings where name in ('wal_level','archive_mode','archive_timeout','port','listen_addresses','max_replication_slots')"
      )
      const m = Object.fromEntries(settings.rows.map((r) => [r.name, r.setting]))
      expect(m).toMatchObject({ wal_level: 'logical', archive_mode: 'on', port: String(s.ports.blue), listen_addresses: '127.0.0.1' })
      expect(Number(m.archive_timeout)).toBeLessThanOrEqual(60)
      expect(Number(m.max_replication_slots)).toBeGreaterThan(0)
      const ext = await client.query("select name from pg_available_extensions where name in ('pgcrypto','pg_trgm') order by name")
      expect(ext.rows.map((r) => r.name)).toEqual(['pg_trgm', 'pgcrypto'])
    } finally {
      await client.end()
    }
  })

  it('labels every container with the stack name and keeps the password out of job events', async () => {
    const docker = createDockerClient()
    const list = await docker.listContainers({ all: true, filters: { label: [`io.fda-offline.stack=${s.stackName}`] } })
    expect(list.map((c) => c.Labels['io.fda-offline.role']).sort()).toEqual(['blue', 'pgbouncer'])
    expect(list.every((c) => c.HostConfig.NetworkMode === 'host')).toBe(true)
    const password = s.services.stack.target('blue').password
    expect(JSON.stringify(s.services.jobs.list())).not.toContain(password)
  })

  it('a warm stack up is a no-op that succeeds', async () => {
    const job = await s.client.stack.up({ green: false })
    expect((await s.services.jobs.wait(job.id)).state).toBe('succeeded')
  })

  it('a port taken by another program gives a clear error naming the port and the fix', async () => {
    const squatter: Server = createServer()
    await new Promise<void>((r) => squatter.listen(s.ports.green, '127.0.0.1', r))
    try {
      const job = await s.client.stack.up({ green: true })
      const done = await s.services.jobs.wait(job.id)
      expect(done.state).toBe('failed')
      expect(done.error).toContain(`Port ${s.ports.green} on 127.0.0.1 (for GREEN) is already in use`)
      expect(done.error).toMatch(/Fix: .*ports\.green/)
    } finally {
      squatter.close()
    }
  })

  it('shows container logs', async () => {
    const { lines } = await s.client.stack.logs({ role: 'blue', tail: 50 })
    expect(lines.join('\n')).toMatch(/database system is ready to accept connections/)
  })
})
