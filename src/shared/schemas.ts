import { z } from 'zod'

/** The three containers of a stack. BLUE and GREEN are PostgreSQL; PgBouncer is the one address clients use. */
export const StackRole = z.enum(['blue', 'green', 'pgbouncer'])
export type StackRole = z.infer<typeof StackRole>
export const Color = z.enum(['blue', 'green'])
export type Color = z.infer<typeof Color>

export const ContainerStatus = z.object({
  role: StackRole,
  name: z.string(),
  /** Docker's state: created, running, exited, … or "absent" when the container does not exist. */
  state: z.string(),
  /** Docker health check: starting, healthy, unhealthy, none. */
  health: z.string(),
  port: z.number().int(),
  version: z.string().nullable(),
  startedAt: z.string().nullable(),
  detail: z.string().nullable()
})
export type ContainerStatus = z.infer<typeof ContainerStatus>

export const PoolFigures = z.object({
  database: z.string(),
  user: z.string(),
  clientsActive: z.number(),
  clientsWaiting: z.number(),
  serversActive: z.number(),
  serversIdle: z.number(),
  maxWaitSeconds: z.number(),
  poolMode: z.string()
})
export type PoolFigures = z.infer<typeof PoolFigures>

export const StackStatus = z.object({
  checkedAt: z.string(),
  stackName: z.string(),
  docker: z.object({
    reachable: z.boolean(),
    version: z.string().nullable(),
    apiVersion: z.string().nullable(),
    error: z.string().nullable(),
    fix: z.string().nullable()
  }),
  image: z.object({ tag: z.string(), present: z.boolean() }),
  liveColor: Color.nullable(),
  containers: z.array(ContainerStatus),
  pgbouncer: z.object({
    version: z.string().nullable(),
    targetPort: z.number().nullable(),
    paused: z.boolean().nullable(),
    pools: z.array(PoolFigures)
  }),
  volumes: z.array(z.object({ name: z.string(), sizeBytes: z.number().nullable() })),
  disk: z.object({ path: z.string(), freeBytes: z.number(), totalBytes: z.number() }),
  /** True when BLUE and PgBouncer both run and pass their health checks. */
  healthy: z.boolean()
})
export type StackStatus = z.infer<typeof StackStatus>

export const JobState = z.enum(['running', 'succeeded', 'failed', 'cancelled', 'interrupted'])
export type JobState = z.infer<typeof JobState>

/** One progress event of a long operation; the UI, the CLI progress bar and the tests read the same events. */
export const JobEvent = z.object({
  jobId: z.string(),
  seq: z.number().int(),
  at: z.string(),
  state: JobState,
  phase: z.string(),
  done: z.number(),
  total: z.number().nullable(),
  unit: z.string(),
  /** units per second, smoothed */
  rate: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  message: z.string()
})
export type JobEvent = z.infer<typeof JobEvent>

export const JobRecord = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  state: JobState,
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  error: z.string().nullable(),
  last: JobEvent.nullable()
})
export type JobRecord = z.infer<typeof JobRecord>

export const StackUpInput = z.object({
  green: z.boolean().default(false),
  /** Load the bundled openFDA sample records when the mirror holds no records yet (first start). */
  samples: z.boolean().default(false)
})
export const StackDownInput = z.object({ volumes: z.boolean().default(false) })

export const Role = z.enum(['viewer', 'operator', 'admin'])
export type Role = z.infer<typeof Role>

export const UserView = z.object({
  id: z.number().int(),
  username: z.string(),
  printedName: z.string(),
  role: Role,
  disabled: z.boolean(),
  locked: z.boolean(),
  mustChangePassword: z.boolean(),
  passwordChangedAt: z.string(),
  lastLoginAt: z.string().nullable(),
  createdAt: z.string()
})
export type UserView = z.infer<typeof UserView>

export const AuthState = z.object({
  databaseReachable: z.boolean(),
  /** null while the database is unreachable */
  usersExist: z.boolean().nullable(),
  user: UserView.nullable(),
  mustChangePassword: z.boolean(),
  expiresAt: z.string().nullable()
})
export type AuthState = z.infer<typeof AuthState>

export const Username = z.string().trim().min(2).max(63)
export const Password = z.string().min(1).max(1024)
export const NewUser = z.object({ username: Username, printedName: z.string().trim().min(1).max(200), password: Password })

export const ChainHead = z.object({ segment: z.string(), seq: z.number().int(), hash: z.string(), ts: z.string() })
export const ChainStatus = z.object({
  ok: z.boolean(),
  segment: z.string(),
  checked: z.number().int(),
  head: ChainHead.nullable(),
  broken: z.object({ seq: z.number().int(), reason: z.string() }).nullable(),
  verifiedAt: z.string()
})
export type ChainStatus = z.infer<typeof ChainStatus>

export const SignatureMeaning = z.enum(['approval', 'review', 'responsibility'])

export const EndpointName = z.enum(['510k', 'classification', 'event', 'recall', 'pma', 'udi', 'enforcement'])
export const EndpointStats = z.object({
  endpoint: EndpointName,
  rows: z.number(),
  bytes: z.number(),
  lastRefreshAt: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  ttlTier: z.string(),
  ttlSeconds: z.number(),
  stale: z.boolean()
})

export const PreflightCheck = z.object({ name: z.string(), ok: z.boolean(), detail: z.string(), fix: z.string().nullable() })
export const MigrationInput = z.object({
  source: z.string().min(1).max(4096),
  endpoint: EndpointName.nullable().default(null),
  resume: z.boolean().default(false),
  /** Keep a .tar.gz of the source (with its SHA-256) before importing it. */
  backup: z.boolean().default(false)
})
export const RejectRow = z.object({ file: z.string(), position: z.string(), key: z.string().nullable(), reason: z.string() })
export const EndpointVerification = z.object({
  endpoint: EndpointName,
  expected: z.number(),
  superseded: z.number(),
  present: z.number(),
  checksumMismatches: z.number(),
  recomputed: z.number(),
  sampled: z.boolean(),
  missingKeys: z.array(z.string()),
  ok: z.boolean()
})
export const MigrationSummary = z.object({
  runId: z.string(),
  source: z.string(),
  files: z.object({ total: z.number(), staged: z.number(), rejected: z.number(), skipped: z.number() }),
  records: z.object({ read: z.number(), rejected: z.number(), inserted: z.number(), updated: z.number(), unchanged: z.number(), superseded: z.number() }),
  rejectsByReason: z.record(z.string(), z.number()),
  verification: z.array(EndpointVerification),
  verified: z.boolean(),
  rejectReport: z.string(),
  backup: z.object({ file: z.string(), sha256: z.string(), bytes: z.number() }).nullable(),
  timings: z.record(z.string(), z.number()),
  seconds: z.number(),
  auditSeq: z.number()
})
export type MigrationSummary = z.infer<typeof MigrationSummary>
