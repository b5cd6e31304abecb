import pg from 'pg'

export interface Target {
  port: number
  user: string
  password: string
  database: string
  /** TLS with the stack's CA (full verification) when the server has it. */
  ssl?: { ca: string }
}

const tls = (t: Target) => (t.ssl ? { ssl: { ca: t.ssl.ca, rejectUnauthorized: true } } : {})

/**
 * A pool per target (BLUE direct, GREEN direct, clients through PgBouncer). Always 127.0.0.1.
 * Through PgBouncer (transaction pooling) session settings do not stick, so the timeout is also
 * enforced on the client side.
 */
export function createPool(t: Target, opts: { max?: number; statementTimeoutMs?: number; viaPgbouncer?: boolean } = {}): pg.Pool {
  const timeout = opts.statementTimeoutMs ?? 30_000 // 0: no timeout (bulk work)
  return new pg.Pool({
    host: '127.0.0.1',
    port: t.port,
    user: t.user,
    password: t.password,
    database: t.database,
    max: opts.max ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'fda-offline-console',
    ...tls(t),
    ...(opts.viaPgbouncer ? { query_timeout: timeout } : { statement_timeout: timeout })
  })
}

/** One short-lived connection for a single question (status probes, admin console commands). */
export async function withClient<T>(t: Target, fn: (c: pg.Client) => Promise<T>, connectTimeoutMs = 3_000): Promise<T> {
  const client = new pg.Client({
    host: '127.0.0.1', port: t.port, user: t.user, password: t.password, database: t.database,
    connectionTimeoutMillis: connectTimeoutMs, application_name: 'fda-offline-console', ...tls(t)
  })
  client.on('error', () => {}) // a server going away while idle must not crash the process
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end().catch(() => {})
  }
}
