import { eventIterator } from '@orpc/contract'
import { z } from 'zod'
import { base, Ok } from './contract-base'
import { openfdaApiContract } from './contracts/openfda-api'
import { backupContract } from './contracts/backup'
import { queryContract } from './contracts/query'
import { refreshContract } from './contracts/refresh'
import { benchContract } from './contracts/bench'

import { auditViewerContract } from './contracts/audit-viewer'
import { securityContract } from './contracts/security'
import {
  AuthState, ChainHead, MigrationInput, MigrationSummary, PreflightCheck, RejectRow, ChainStatus, EndpointName, EndpointStats, JobEvent, JobRecord, NewUser, Password, Role, SignatureMeaning,
  StackDownInput, StackStatus, StackUpInput, UserView, Username
} from './schemas'
import { deployContract } from './contracts/deploy'

/**
 * The one API of the console. Served over an Electron MessagePort (desktop), over HTTP (server
 * mode) and called in-process (CLI). A snapshot test pins its surface.
 */

/** Job ids are short generated strings; the bound keeps hostile input small. */
const JobId = z.string().max(100)

export type { Policy } from './contract-base'

/** Areas added later live in ./contracts/<area>.ts and are listed here by name. */
export const contract = {
  openfdaApi: openfdaApiContract,
  deploy: deployContract,
  app: {
    info: base.meta({ role: 'public' }).output(
      z.object({ name: z.string(), version: z.string(), host: z.enum(['desktop', 'server', 'cli']), home: z.string() })
    )
  },
  status: {
    get: base.meta({ role: 'viewer', bootstrap: true }).output(StackStatus)
  },
  auth: {
    state: base.meta({ role: 'public' }).output(AuthState),
    /** First run only: creates the first administrator and signs them in. */
    setupFirstAdmin: base.meta({ role: 'public' }).input(NewUser).output(AuthState),
    login: base.meta({ role: 'public' }).input(z.object({ username: Username, password: Password })).output(AuthState),
    logout: base.meta({ role: 'public' }).output(Ok),
    changePassword: base.meta({ role: 'public' }).input(z.object({ current: Password, next: Password })).output(AuthState),
    /** A token for the CLI or scripts (12 hours), after re-entering the password. */
    issueToken: base.input(z.object({ password: Password })).output(z.object({ token: z.string(), expiresAt: z.string() }))
  },
  users: {
    list: base.meta({ role: 'admin' }).output(z.array(UserView)),
    create: base.meta({ role: 'admin' }).input(NewUser.extend({ role: Role })).output(UserView),
    disable: base.meta({ role: 'admin' }).input(z.object({ username: Username })).output(UserView),
    resetPassword: base.meta({ role: 'admin' }).input(z.object({ username: Username, temporaryPassword: Password })).output(UserView),
    changeRole: base.meta({ role: 'admin' }).input(z.object({ username: Username, role: Role })).output(UserView)
  },
  audit: {
    ...auditViewerContract,
    verify: base.output(ChainStatus),
    head: base.output(ChainHead.nullable()),
    /** An electronic signature on an audit entry, after re-entering user name and password. */
    sign: base
      .input(z.object({ seq: z.number().int().positive(), meaning: SignatureMeaning, username: Username, password: Password, comment: z.string().max(2000).optional() }))
      .output(z.object({ signatureSeq: z.number().int(), signedSeq: z.number().int(), printedName: z.string(), meaning: SignatureMeaning, signedAt: z.string() }))
  },
  settings: {
    list: base.meta({ role: 'admin' }).output(
      z.array(z.object({ key: z.string(), value: z.number(), describe: z.string(), unit: z.string(), min: z.number(), max: z.number(), updatedAt: z.string() }))
    ),
    set: base.meta({ role: 'admin' }).input(z.object({ key: z.string().max(100), value: z.number().int() })).output(Ok)
  },
  migration: {
    /** The bundled sample cache (the default) and the earlier tool's cache folder when it exists. */
    sources: base.meta({ role: 'operator' }).output(z.object({ bundledSample: z.string(), earlierToolCache: z.string().nullable() })),
    preflight: base
      .meta({ role: 'operator' })
      .input(MigrationInput)
      .output(z.object({ files: z.number(), bytes: z.number(), kinds: z.record(z.string(), z.number()), checks: z.array(PreflightCheck) })),
    start: base.meta({ role: 'operator' }).input(MigrationInput).output(JobRecord),
    result: base.meta({ role: 'viewer' }).input(z.object({ jobId: JobId })).output(MigrationSummary.nullable()),
    rejects: base
      .meta({ role: 'viewer' })
      .input(z.object({ runId: z.string().max(100), limit: z.number().int().min(1).max(10000).default(500) }))
      .output(z.object({ total: z.number(), rows: z.array(RejectRow), csv: z.string() }))
  },
  data: {
    stats: base.output(z.array(EndpointStats)),
    /** Loads the bundled openFDA sample records (the embedded default data set). */
    loadSamples: base.meta({ role: 'operator', bootstrap: true }).output(JobRecord),
    verifyIntegrity: base.meta({ role: 'operator' }).input(z.object({ endpoint: EndpointName })).output(JobRecord)
  },
  stack: {
    /** Starts a job that ensures the image and brings BLUE (and GREEN on request) and PgBouncer up. */
    up: base.meta({ role: 'operator', bootstrap: true }).input(StackUpInput).output(JobRecord),
    down: base.meta({ role: 'operator', bootstrap: true }).input(StackDownInput).output(JobRecord),
    logs: base
      .meta({ role: 'viewer', bootstrap: true })
      .input(z.object({ role: z.enum(['blue', 'green', 'pgbouncer']), tail: z.number().int().min(1).max(5000).default(200) }))
      .output(z.object({ lines: z.array(z.string()) }))
  },
  security: securityContract,
  jobs: {
    list: base.meta({ role: 'viewer', bootstrap: true }).input(z.object({ limit: z.number().int().min(1).max(500).default(50) })).output(z.array(JobRecord)),
    get: base.meta({ role: 'viewer', bootstrap: true }).input(z.object({ jobId: JobId })).output(JobRecord),
    watch: base.meta({ role: 'viewer', bootstrap: true }).input(z.object({ jobId: JobId })).output(eventIterator(JobEvent)),
    cancel: base.meta({ role: 'operator' }).input(z.object({ jobId: JobId })).output(JobRecord)
  },
  backup: backupContract,
  query: queryContract,
  refresh: refreshContract,
  bench: benchContract,
}
export type Contract = typeof contract
