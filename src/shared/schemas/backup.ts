import { z } from 'zod'

/** Backups: manifests, configuration, retention and drills (issue #7). */

export const BackupType = z.enum(['base', 'dump', 'wal'])
export type BackupType = z.infer<typeof BackupType>

export const Artifact = z.object({
  /** Object key relative to the destination root. */
  key: z.string(),
  /** What the artifact holds (base.tar, dump, wal segments). */
  role: z.string(),
  compression: z.enum(['zstd', 'lz4']),
  encrypted: z.literal('openpgp'),
  /** Bytes of the compressed plaintext, and of the stored (encrypted) object. */
  plainBytes: z.number(),
  storedBytes: z.number(),
  /** SHA-256 of the compressed plaintext (checked after decryption) and of the stored object. */
  sha256Plain: z.string(),
  sha256Stored: z.string()
})
export type Artifact = z.infer<typeof Artifact>

export const EndpointCheck = z.object({ rows: z.number(), digest: z.string() })

export const Manifest = z.object({
  format: z.literal('fda-offline-backup/1'),
  id: z.string(),
  type: BackupType,
  color: z.enum(['blue', 'green']),
  stackName: z.string(),
  startedAt: z.string(),
  stoppedAt: z.string(),
  startLsn: z.string().nullable(),
  stopLsn: z.string().nullable(),
  timeline: z.number().nullable(),
  /** For WAL bundles: the segments they hold, first to last. */
  walSegments: z.array(z.string()).default([]),
  postgresVersion: z.string(),
  schemaVersion: z.string().nullable(),
  auditHead: z.object({ seq: z.number(), hash: z.string(), ts: z.string() }).nullable(),
  /** Rows and an order-independent digest of the record checksums per endpoint (at the backup's snapshot for dumps, at its end for base backups). */
  endpoints: z.record(z.string(), EndpointCheck),
  /** Whether rows changed while a base backup ran (counts at start and end differ). */
  changedDuringBackup: z.boolean().default(false),
  recipients: z.array(z.string()),
  artifacts: z.array(Artifact),
  createdBy: z.string()
})
export type Manifest = z.infer<typeof Manifest>

export const RetentionPolicy = z.object({
  daily: z.number().int().min(0).max(366).default(7),
  weekly: z.number().int().min(0).max(520).default(4),
  monthly: z.number().int().min(0).max(240).default(12),
  yearly: z.number().int().min(0).max(100).default(7)
})
export type RetentionPolicy = z.infer<typeof RetentionPolicy>

export const DestinationConfig = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local'), path: z.string().min(1).max(4096) }),
  z.object({
    kind: z.literal('s3'),
    endpoint: z.string().max(2048).url().nullable().default(null),
    bucket: z.string().min(3).max(63),
    prefix: z.string().max(1024).regex(/^([A-Za-z0-9._-]+\/)*$/, 'empty or ending with /').default(''),
    region: z.string().max(64).default('us-east-1'),
    forcePathStyle: z.boolean().default(true),
    /** Send checksums only when required (MinIO-like servers); off for AWS itself if you prefer. */
    compatible: z.boolean().default(true),
    partSizeMb: z.number().int().min(5).max(512).default(16)
  })
])
export type DestinationConfig = z.infer<typeof DestinationConfig>

export const ScheduleKind = z.enum(['base', 'dump', 'drill', 'wal'])
export type ScheduleKind = z.infer<typeof ScheduleKind>

export const BackupConfig = z.object({
  destination: DestinationConfig.nullable().default(null),
  compression: z.enum(['zstd', 'lz4']).default('zstd'),
  /** zstd -1 measured fastest to back up and to restore here, at ×4.3 (docs/BACKUP-AND-RECOVERY.md). */
  compressionLevel: z.number().int().min(1).max(19).default(1),
  /** Armored OpenPGP public keys every artifact is encrypted to. */
  recipients: z.array(z.string()).default([]),
  /** Cron expressions (5 or 6 fields); null disables. */
  schedules: z.object({
    base: z.string().nullable().default('0 2 * * *'),
    dump: z.string().nullable().default('0 3 * * 0'),
    drill: z.string().nullable().default('0 4 * * 6'),
    wal: z.string().nullable().default('* * * * *')
  }).prefault({}),
  retention: RetentionPolicy.prefault({}),
  /** Port on 127.0.0.1 for scratch restores and drills. */
  scratchPort: z.number().int().min(1024).max(65535).default(54329)
})
export type BackupConfig = z.infer<typeof BackupConfig>

export const RetentionMark = z.enum(['daily', 'weekly', 'monthly', 'yearly', 'window', 'newest', 'wal'])

export const RetentionDecision = z.object({
  id: z.string(),
  type: BackupType,
  at: z.string(),
  keep: z.boolean(),
  marks: z.array(RetentionMark),
  reason: z.string()
})
export type RetentionDecision = z.infer<typeof RetentionDecision>

export const DrillCheck = z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })

export const DrillResult = z.object({
  id: z.string(),
  backupId: z.string(),
  kind: z.enum(['drill', 'restore']),
  into: z.enum(['scratch', 'green']),
  targetTime: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string(),
  ok: z.boolean(),
  rtoSeconds: z.number(),
  /** Seconds between the requested point (or now) and the newest transaction restored. */
  rpoSeconds: z.number().nullable(),
  lastRestoredAt: z.string().nullable(),
  checks: z.array(DrillCheck),
  auditSeq: z.number().nullable()
})
export type DrillResult = z.infer<typeof DrillResult>

export const BackupEntry = z.object({
  manifest: Manifest,
  verified: z.object({ ok: z.boolean(), at: z.string(), detail: z.string() }).nullable(),
  drills: z.array(DrillResult),
  retention: RetentionDecision.nullable()
})
export type BackupEntry = z.infer<typeof BackupEntry>

export const BackupCatalog = z.object({
  destination: z.string().nullable(),
  backups: z.array(BackupEntry),
  /** Continuous ranges that can be restored to any moment (base backup + unbroken WAL). */
  recoverable: z.array(z.object({ from: z.string(), to: z.string() })),
  walThrough: z.string().nullable()
})
export type BackupCatalog = z.infer<typeof BackupCatalog>
