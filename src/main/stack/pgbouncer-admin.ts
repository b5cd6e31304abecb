import type pg from 'pg'
import type { PoolFigures } from '../../shared/schemas'

/**
 * PgBouncer's admin console (virtual database "pgbouncer"). It speaks only the simple query
 * protocol, so commands never carry parameters, and its SHOW columns change between versions:
 * read them by name and ignore the rest.
 */
export type Row = Record<string, unknown>

const num = (v: unknown): number => (v === null || v === undefined || v === '' ? 0 : Number(v))

export async function show(client: pg.Client, what: 'VERSION' | 'DATABASES' | 'POOLS' | 'SERVERS' | 'CLIENTS'): Promise<Row[]> {
  const r = await client.query(`SHOW ${what}`)
  return r.rows as Row[]
}

/** "PgBouncer 1.18.0" (a row since 1.12; older versions sent it as a NOTICE, which we do not support). */
export function parseVersion(rows: Row[]): string | null {
  const v = rows[0]?.version
  if (typeof v !== 'string') return null
  const m = /PgBouncer\s+([\d.]+)/i.exec(v)
  return m ? m[1] : v
}

export interface DatabaseEntry {
  name: string
  host: string | null
  port: number
  database: string
  paused: boolean
  disabled: boolean
}

export function parseDatabases(rows: Row[]): DatabaseEntry[] {
  return rows.map((r) => ({
    name: String(r.name),
    host: r.host === null || r.host === undefined ? null : String(r.host),
    port: num(r.port),
    database: String(r.database ?? ''),
    paused: num(r.paused) === 1,
    disabled: num(r.disabled) === 1
  }))
}

export function parsePools(rows: Row[]): PoolFigures[] {
  return rows
    .filter((r) => r.database !== 'pgbouncer')
    .map((r) => ({
      database: String(r.database),
      user: String(r.user),
      clientsActive: num(r.cl_active),
      clientsWaiting: num(r.cl_waiting),
      serversActive: num(r.sv_active),
      serversIdle: num(r.sv_idle),
      // maxwait is whole seconds, maxwait_us the microseconds beyond it (both present since 1.8)
      maxWaitSeconds: num(r.maxwait) + num(r.maxwait_us) / 1e6,
      poolMode: String(r.pool_mode ?? '')
    }))
}
