import type { JobContext } from '../jobs/job-manager'
import { withClient } from '../db/connection'
import { generateStackCa, installPgbouncerTls, installPostgresTls, TLS_SECRETS } from '../stack/tls'
import type { Services } from './services'

/**
 * TLS inside the stack: a CA made once per stack and kept in the secret store; BLUE/GREEN serve TLS
 * with the certificate it signed; PgBouncer serves TLS to clients (prefer or require) and verifies
 * PostgreSQL's certificate. Runs after the containers are up, before anything connects; colors
 * first, so PgBouncer never verifies towards a color without TLS. A color created later is covered
 * the next time this runs (every `stack up`).
 */
export async function ensureStackTls(s: Services, ctx?: JobContext): Promise<void> {
  const mode = s.settings.tls
  if (mode === 'off') return
  const running = await s.stack.runningColors()
  if (!running.length) return
  const state = s.stack.tls
  let certs = Object.fromEntries(Object.entries(TLS_SECRETS).map(([k, name]) => [k, s.secrets.get(name)])) as Record<keyof typeof TLS_SECRETS, string | undefined>
  if (Object.values(certs).some((v) => !v)) {
    ctx?.report({ phase: 'tls', message: 'creating the stack certificate authority' })
    const made = await generateStackCa(s.stack.container(running[0]), s.settings.stackName)
    for (const [k, name] of Object.entries(TLS_SECRETS)) s.secrets.set(name, made[k as keyof typeof TLS_SECRETS])
    certs = made
  }
  const all = certs as Record<keyof typeof TLS_SECRETS, string>
  let changed = false
  for (const color of running) {
    if (state.roles().includes(color)) continue
    ctx?.report({ phase: 'tls', message: `TLS on ${color.toUpperCase()}` })
    await installPostgresTls(s.stack.container(color), all)
    await untilTls(() => withClient({ ...s.stack.target(color), ssl: { ca: all.caCert } }, (c) => c.query('SELECT 1')))
    state.mark(color)
    changed = true
  }
  if (!state.roles().includes('pgbouncer') || mode === 'require') {
    ctx?.report({ phase: 'tls', message: `TLS on PgBouncer (clients: ${mode})` })
    await installPgbouncerTls(s.stack.container('pgbouncer'), all, mode)
    await withClient(s.stack.target('pgbouncer', 'pgbouncer'), (c) => c.query('RELOAD'))
    await untilTls(() => withClient({ ...s.stack.target('pgbouncer', 'pgbouncer'), ssl: { ca: all.caCert } }, (c) => c.query('SHOW VERSION')))
    state.mark('pgbouncer')
    changed = true
  }
  // Pools opened before TLS was there reconnect with it.
  if (changed) await s.db.close()
}

/** A reload takes a moment: retry for up to ten seconds. */
async function untilTls(probe: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    try {
      await probe()
      return
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`TLS did not come up: ${(e as Error).message}`)
      await new Promise((r) => setTimeout(r, 300))
    }
  }
}
