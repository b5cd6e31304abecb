import { describe, expect, it } from 'vitest'
import { parseDatabases, parsePools, parseVersion } from '../../src/main/stack/pgbouncer-admin'

describe('PgBouncer SHOW parsing by column name', () => {
  it('reads the version row', () => {
    expect(parseVersion([{ version: 'PgBouncer 1.18.0' }])).toBe('1.18.0')
    expect(parseVersion([{ version: 'PgBouncer 1.25.2 (with extras)' }])).toBe('1.25.2')
    expect(parseVersion([])).toBeNull()
  })

  it('reads SHOW DATABASES of 1.18 and of 1.24 (renamed and added columns)', () => {
    const v118 = [{ name: 'mirror', host: '127.0.0.1', port: 54320, database: 'mirror', force_user: null, pool_size: 20, reserve_pool: 5, paused: 0, disabled: 0 }]
    const v124 = [{ name: 'mirror', host: '127.0.0.1', port: '54321', database: 'mirror', reserve_pool_size: 5, load_balance_hosts: null, current_client_connections: 3, paused: '1', disabled: '0' }]
    expect(parseDatabases(v118)[0]).toEqual({ name: 'mirror', host: '127.0.0.1', port: 54320, database: 'mirror', paused: false, disabled: false })
    expect(parseDatabases(v124)[0]).toMatchObject({ port: 54321, paused: true, disabled: false })
  })

  it('reads SHOW POOLS, skips the admin pseudo-database, and adds maxwait_us', () => {
    const rows = [
      { database: 'pgbouncer', user: 'pgbouncer', cl_active: 1, cl_waiting: 0, sv_active: 0, sv_idle: 0, maxwait: 0, maxwait_us: 0, pool_mode: 'statement' },
      { database: 'mirror', user: 'fda_admin', cl_active: '7', cl_waiting: '2', sv_active: 4, sv_idle: 1, sv_used: 0, maxwait: 1, maxwait_us: 250000, pool_mode: 'transaction', cl_active_cancel_req: 0 }
    ]
    expect(parsePools(rows)).toEqual([
      { database: 'mirror', user: 'fda_admin', clientsActive: 7, clientsWaiting: 2, serversActive: 4, serversIdle: 1, maxWaitSeconds: 1.25, poolMode: 'transaction' }
    ])
  })
})
