import type { AuthState } from '../../shared/schemas'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { signEntry } from '../audit/signatures'
import { runMigration, summaryOfJob } from '../importer/migration'
import { preflight } from '../importer/preflight'
import { REJECT_ORDER, rejectsCsv } from '../importer/reject-report'
import { earlierToolCache, scanSource, type InputFile } from '../importer/sources'
import { loadSamples } from '../openfda/samples'
import { StackError } from '../stack/stack-error'
import type { Session } from '../users/user-service'
import { api, requireSession } from './api'
import { actorOf, currentSession, usersExist, type ApiContext } from './auth'
import { bringStackUp, takeStackDown } from './lifecycle'
import { openfdaApiRoutes } from './routes/openfda-api'
import { deployRoutes } from './routes/deploy'
import { backupRoutes } from './routes/backup'
import { queryRoutes } from './routes/query'
import { refreshRoutes } from './routes/refresh'
import { benchRoutes } from './routes/bench'
import { auditViewerRoutes } from './routes/audit-viewer'
import { securityRoutes } from './routes/security'

export type { ApiContext } from './auth'


async function authState(context: ApiContext, session?: Session | null): Promise<AuthState> {
  const resolved = session !== undefined ? { session, databaseReachable: true } : await currentSession(context)
  const exist = resolved.databaseReachable ? await usersExist(context) : null
  const s = resolved.session
  return {
    databaseReachable: resolved.databaseReachable && exist !== null,
    usersExist: exist,
    user: s?.user ?? null,
    mustChangePassword: s?.mustChangePassword ?? false,
    expiresAt: s?.expiresAt ?? null
  }
}

function signIn(context: ApiContext, session: Session): void {
  context.auth.token = session.token
  context.auth.session = session
  context.setSessionCookie?.(session.token)
}

function scanOrFail(source: string, endpoint: string | null): InputFile[] {
  try {
    return scanSource(source, endpoint)
  } catch (e) {
    throw new StackError('INVALID_REQUEST', (e as Error).message, (e as { fix?: string }).fix ?? 'Choose another source.')
  }
}

/** Areas added later keep their handlers in ./routes/<area>.ts and are listed here by name. */
export const router = api.router({
  openfdaApi: openfdaApiRoutes,
  deploy: deployRoutes,
  app: {
    info: api.app.info.handler(({ context: { services: s } }) => ({ name: 'FDA Offline Console', version: s.version, host: s.host, home: s.home }))
  },
  status: {
    get: api.status.get.handler(({ context }) => context.services.stack.status())
  },
  auth: {
    state: api.auth.state.handler(({ context }) => authState(context)),
    setupFirstAdmin: api.auth.setupFirstAdmin.handler(async ({ input, context }) => {
      const s = context.services
      await s.users.createFirstAdmin(input, s.host)
      const session = await s.users.login(input.username, input.password, s.host)
      signIn(context, session)
      return authState(context, session)
    }),
    login: api.auth.login.handler(async ({ input, context }) => {
      const session = await context.services.users.login(input.username, input.password, context.services.host)
      signIn(context, session)
      return authState(context, session)
    }),
    logout: api.auth.logout.handler(async ({ context }) => {
      const { session } = await currentSession(context)
      if (session) await context.services.users.logout(session, context.services.host)
      context.auth.token = null
      context.auth.session = null
      context.setSessionCookie?.(null)
      return { ok: true as const }
    }),
    changePassword: api.auth.changePassword.handler(async ({ input, context }) => {
      const session = requireSession((await currentSession(context)).session)
      await context.services.users.changePassword(session, input.current, input.next, context.services.host)
      return authState(context)
    }),
    issueToken: api.auth.issueToken.handler(async ({ input, context }) => {
      const session = requireSession(context.session)
      const t = await context.services.users.login(session.user.username, input.password, context.services.host, 'cli-token')
      return { token: t.token, expiresAt: t.expiresAt }
    })
  },
  users: {
    list: api.users.list.handler(({ context }) => context.services.users.list()),
    create: api.users.create.handler(({ input, context }) => context.services.users.create(actorOf(context, context.session), input)),
    disable: api.users.disable.handler(({ input, context }) => context.services.users.disable(actorOf(context, context.session), input.username)),
    resetPassword: api.users.resetPassword.handler(({ input, context }) =>
      context.services.users.resetPassword(actorOf(context, context.session), input.username, input.temporaryPassword)
    ),
    changeRole: api.users.changeRole.handler(({ input, context }) => context.services.users.changeRole(actorOf(context, context.session), input.username, input.role))
  },
  audit: {
    ...auditViewerRoutes,
    verify: api.audit.verify.handler(async ({ context }) => ({ ...(await context.services.audit.verify()), verifiedAt: new Date().toISOString() })),
    head: api.audit.head.handler(({ context }) => context.services.audit.head()),
    sign: api.audit.sign.handler(({ input, context }) => signEntry(context.services, requireSession(context.session), input, context.services.host))
  },
  settings: {
    list: api.settings.list.handler(({ context }) => context.services.consoleSettings.list()),
    set: api.settings.set.handler(async ({ input, context }) => {
      await context.services.consoleSettings.set(actorOf(context, context.session), input.key, input.value)
      return { ok: true as const }
    })
  },
  migration: {
    sources: api.migration.sources.handler(({ context }) => ({
      bundledSample: join(context.services.resourcesDir, 'sample-cache'),
      earlierToolCache: earlierToolCache(homedir())
    })),
    preflight: api.migration.preflight.handler(async ({ input, context }) => {
      const files = scanOrFail(input.source, input.endpoint)
      const kinds: Record<string, number> = {}
      for (const f of files) kinds[f.kind] = (kinds[f.kind] ?? 0) + 1
      const checks = await preflight(context.services, files, join(context.services.home, 'imports'))
      return { files: files.length, bytes: files.reduce((n, f) => n + f.size, 0), kinds, checks }
    }),
    start: api.migration.start.handler(({ input, context }) => {
      const s = context.services
      const actor = actorOf(context, context.session)
      scanOrFail(input.source, input.endpoint)
      return s.jobs.start('migration', `Import ${input.source}`, async (ctx) => {
        const r = await runMigration(s, input, actor, ctx)
        return `run ${r.runId}: ${r.records.inserted} new, ${r.records.updated} updated, ${r.records.unchanged} unchanged, ${r.records.rejected} rejected; ${r.verified ? 'verified' : 'VERIFICATION FAILED'}`
      })
    }),
    result: api.migration.result.handler(({ input, context }) => summaryOfJob(context.services, input.jobId)),
    rejects: api.migration.rejects.handler(async ({ input, context }) => {
      const q = context.services.db.app()
      const total = await q.query<{ n: string }>('SELECT count(*) AS n FROM console.import_rejects WHERE run_id = $1', [input.runId])
      const rows = await q.query(`SELECT file, position, key, reason FROM console.import_rejects WHERE run_id = $1 ORDER BY ${REJECT_ORDER} LIMIT $2`, [input.runId, input.limit])
      return { total: Number(total.rows[0].n), rows: rows.rows, csv: rejectsCsv(rows.rows) }
    })
  },
  data: {
    stats: api.data.stats.handler(({ context }) => context.services.records.stats()),
    loadSamples: api.data.loadSamples.handler(({ context }) => {
      const s = context.services
      const actor = actorOf(context, context.session)
      return s.jobs.start('load-samples', 'Load the bundled openFDA sample records', (ctx) => loadSamples(s.records, s.resourcesDir, actor, ctx))
    }),
    verifyIntegrity: api.data.verifyIntegrity.handler(({ input, context }) => {
      const s = context.services
      return s.jobs.start('verify-integrity', `Verify the checksums of ${input.endpoint}`, async (ctx) => {
        const r = await s.records.verifyIntegrity(input.endpoint, (n) => ctx.report({ phase: 'verify', done: n, unit: 'records', message: `${n} records checked` }))
        if (r.mismatches.length) throw new Error(`${r.mismatches.length} of ${r.checked} records do not match their checksum, first: ${r.mismatches.slice(0, 5).map((m) => m.key).join(', ')}`)
        return `all ${r.checked} records match their checksums`
      })
    })
  },
  stack: {
    up: api.stack.up.handler(({ input, context }) => {
      const s = context.services
      const actor = actorOf(context, context.session)
      return s.jobs.start('stack-up', input.green ? 'Start BLUE, GREEN and PgBouncer' : 'Start BLUE and PgBouncer', (ctx) => bringStackUp(s, input, actor, ctx))
    }),
    down: api.stack.down.handler(({ input, context }) => {
      const s = context.services
      const actor = actorOf(context, context.session)
      return s.jobs.start('stack-down', input.volumes ? 'Remove the stack and its volumes' : 'Stop the stack', (ctx) => takeStackDown(s, input, actor, ctx))
    }),
    logs: api.stack.logs.handler(async ({ input, context }) => ({ lines: await context.services.stack.logs(input.role, input.tail) }))
  },
  security: securityRoutes,
  jobs: {
    list: api.jobs.list.handler(({ input, context }) => context.services.jobs.list(input.limit)),
    get: api.jobs.get.handler(({ input, context }) => context.services.jobs.get(input.jobId)),
    watch: api.jobs.watch.handler(async function* ({ input, context, signal }) {
      yield* context.services.jobs.watch(input.jobId, signal)
    }),
    cancel: api.jobs.cancel.handler(({ input, context }) => context.services.jobs.cancel(input.jobId))
  },
  backup: backupRoutes,
  query: queryRoutes,
  refresh: refreshRoutes,
  bench: benchRoutes,
})
export type Router = typeof router
