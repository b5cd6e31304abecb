import type Docker from 'dockerode'
import pg from 'pg'
import type { Guardrail } from '../../shared/contracts/deploy'
import type { Color } from '../../shared/schemas'
import type { Target } from '../db/connection'
import { execInContainer } from '../stack/container-exec'
import { ENDPOINTS } from '../openfda/endpoints'
import type { BouncerControl } from './pgbouncer-control'
import { measureContent, readExpectations, schemaVersion } from './content'
import { markAndWait, subscriptionName, subscriptions } from './replication'

export interface GuardrailLimits {
  maxTransactionSeconds: number
  minFreeDiskMb: number
}

export interface GuardrailDeps {
  colorTarget: (c: Color) => Target
  bouncer: BouncerControl
  container: (c: Color) => Docker.Container
  ports: { blue: number; green: number }
}

/**
 * The checks before a switch from `from` (live) to `to` (standby). Each is pass/fail with detail and a
 * fix; any failure blocks the switch unless an admin overrides with a signed reason.
 */
export async function checkGuardrails(deps: GuardrailDeps, from: Color, to: Color, limits: GuardrailLimits): Promise<Guardrail[]> {
  const out: Guardrail[] = []
  const add = (id: Guardrail['id'], name: string, ok: boolean, detail: string, fix: string | null = null): void => {
    out.push({ id, name, ok, detail, fix: ok ? null : fix })
  }
  const T = to.toUpperCase()
  const F = from.toUpperCase()
  let toC: pg.Client | null = null
  let fromC: pg.Client | null = null
  try {
    const info = await deps.container(to).inspect().catch(() => null)
    if (!info?.State.Running) throw new Error(`${T}'s container is ${info ? info.State.Status : 'absent'}`)
    toC = await open(deps.colorTarget(to))
    const rec = await toC.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')
    if (rec.rows[0].r) throw new Error(`${T} is still in recovery`)
    add('standby-healthy', `${T} healthy and accepting connections`, true, `container ${info.State.Health?.Status ?? info.State.Status}, answered on port ${deps.ports[to]}`)
  } catch (e) {
    add('standby-healthy', `${T} healthy and accepting connections`, false, (e as Error).message, `Start ${T} (\`fda-offline deploy prepare\` creates it from ${F}).`)
  }
  try {
    fromC = await open(deps.colorTarget(from))
  } catch (e) {
    add('old-transactions', `no transaction on ${F} older than ${limits.maxTransactionSeconds} s`, false, `${F} is not reachable: ${(e as Error).message}`, `Start ${F}.`)
  }

  if (toC && fromC) {
    const [vf, vt] = await Promise.all([schemaVersion(fromC), schemaVersion(toC)])
    add('schema-version', 'same schema version', vf === vt, `${F} at ${vf ?? 'none'}, ${T} at ${vt ?? 'none'}`, 'Restart the console so it applies the migrations to both colors.')
  } else add('schema-version', 'same schema version', false, 'not both colors reachable', 'Start both colors.')

  if (toC) {
    try {
      const [actual, expected] = await Promise.all([measureContent(toC, ENDPOINTS), readExpectations(toC)])
      const bad: string[] = []
      const parts: string[] = []
      for (const a of actual) {
        const x = expected.get(a.endpoint)
        if (!x) bad.push(`${a.endpoint}: no expectation recorded`)
        else if (x.rows !== a.rows) bad.push(`${a.endpoint}: ${a.rows} rows, expected ${x.rows} (${x.source})`)
        else if (x.digest !== a.digest) bad.push(`${a.endpoint}: digest ${a.digest.slice(0, 8)}…, expected ${x.digest.slice(0, 8)}… (${x.source})`)
        else parts.push(`${a.endpoint} ${a.rows}`)
      }
      add('content', 'rows and digests per endpoint equal the expectation', bad.length === 0, bad.length ? bad.join('; ') : `all equal: ${parts.join(', ')}`, `Prepare ${T} again (\`fda-offline deploy prepare\`) or re-run the refresh that fills it.`)
    } catch (e) {
      add('content', 'rows and digests per endpoint equal the expectation', false, (e as Error).message, `Prepare ${T} again.`)
    }
  } else add('content', 'rows and digests per endpoint equal the expectation', false, `${T} not reachable`, `Start ${T}.`)

  if (toC && fromC) {
    try {
      const sub = (await subscriptions(toC)).find((s) => s.name === subscriptionName(from, to))
      if (!sub) throw new Error(`${T} has no subscription to ${F}'s operator tables`)
      if (!sub.enabled) throw new Error(`the subscription ${sub.name} is disabled`)
      const ms = await markAndWait(fromC, toC, `check-${Date.now()}`, 5000, 5).catch(() => {
        throw new Error(`a change on ${F} did not arrive on ${T} within 5 s (subscription ${sub.name}${sub.pid === null ? ', its worker is not running' : ''})`)
      })
      add('replication', `operator tables replicated ${F} → ${T} and caught up`, true, `a change on ${F} arrived on ${T} in ${Math.round(ms)} ms`)
    } catch (e) {
      add('replication', `operator tables replicated ${F} → ${T} and caught up`, false, (e as Error).message, `Prepare ${T} again (it sets up the replication).`)
    }
  } else add('replication', `operator tables replicated ${F} → ${T} and caught up`, false, 'not both colors reachable', 'Start both colors.')

  // Old transactions on either color: the live one would hold up the PAUSE, the standby one the
  // creation of the replication slot the switch needs there.
  for (const [client, C] of [[fromC, F], [toC, T]] as const) {
    if (!client) continue
    const r = await client.query<{ pid: number; age: number; application_name: string; state: string; query: string }>(
      `SELECT pid, extract(epoch FROM clock_timestamp() - xact_start)::float8 AS age, application_name, state, left(query, 80) AS query
         FROM pg_stat_activity
        WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
          AND xact_start < clock_timestamp() - make_interval(secs => $1)
        ORDER BY xact_start`,
      [limits.maxTransactionSeconds]
    )
    add('old-transactions', `no transaction on ${C} older than ${limits.maxTransactionSeconds} s`, r.rows.length === 0,
      r.rows.length
        ? r.rows.slice(0, 3).map((x) => `pid ${x.pid} open ${Math.round(x.age)} s (${x.application_name || 'no name'}, ${x.state}: ${x.query})`).join('; ')
        : 'none',
      `Let those transactions finish, or end them (SELECT pg_terminate_backend(pid) on ${C}).`)
  }
  await fromC?.end().catch(() => {})

  try {
    const df = await execInContainer(deps.container(to), ['df', '-Pk', '/var/lib/fda/pgdata'])
    const fields = df.trim().split('\n').pop()!.trim().split(/\s+/)
    const freeMb = Math.floor(Number(fields[3]) / 1024)
    add('disk', `disk headroom on ${T} (at least ${limits.minFreeDiskMb} MiB free)`, freeMb >= limits.minFreeDiskMb, `${freeMb} MiB free`, 'Free disk space, or lower deploy.minFreeDiskMb.')
  } catch (e) {
    add('disk', `disk headroom on ${T}`, false, (e as Error).message, `Start ${T}.`)
  }

  try {
    const c = await deps.bouncer.connect()
    try {
      const version = await deps.bouncer.version(c)
      const m = await deps.bouncer.mirror(c)
      const ok = Boolean(version && m && !m.paused && m.port === deps.ports[from])
      add('pgbouncer', 'PgBouncer version and state readable', ok,
        `PgBouncer ${version ?? '?'}; mirror → ${m?.host}:${m?.port}${m?.paused ? ' (PAUSED)' : ''}`,
        m?.paused ? 'Another switch is running or was interrupted: `fda-offline deploy status` settles it.' : `PgBouncer must point at ${F}.`)
    } finally {
      await c.end().catch(() => {})
    }
  } catch (e) {
    add('pgbouncer', 'PgBouncer version and state readable', false, (e as Error).message, 'Start the stack (`fda-offline stack up`).')
  }
  await toC?.end().catch(() => {})
  return out
}

async function open(t: Target): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port: t.port, user: t.user, password: t.password, database: t.database, connectionTimeoutMillis: 3000, application_name: 'fda-offline-guardrails' })
  c.on('error', () => {})
  await c.connect()
  return c
}
