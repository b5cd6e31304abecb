import type pg from 'pg'
import { createPool } from '../../db/connection'
import { READER_ROLE, type Database } from '../../db/database'
import type { StackService } from '../../stack/stack-service'
import { SqlQueryEngine, type SqlQueryEngineOptions } from '../query/sql-engine'

/** Agents read as fda_reader (SELECT only on the openfda schema), through PgBouncer like every client. */
/** The client-side timeout is just above the server-side statement timeout (60 s) so the server's answer arrives. */
export function createReaderPool(s: { stack: StackService; db: Database }, max = 10): pg.Pool {
  const pool = createPool({ ...s.stack.target('pgbouncer'), user: READER_ROLE, password: s.db.readerPassword() }, { viaPgbouncer: true, max, statementTimeoutMs: 65_000 })
  pool.on('error', () => {}) // an idle client losing its server must not crash the API
  return pool
}

export function createMirrorEngine(s: { stack: StackService; db: Database }, opts: SqlQueryEngineOptions = {}): { engine: SqlQueryEngine; pool: pg.Pool } {
  const pool = createReaderPool(s)
  return { engine: new SqlQueryEngine(pool, opts), pool }
}
