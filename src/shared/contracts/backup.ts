import { z } from 'zod'
import { base, Ok } from '../contract-base'
import { JobRecord, Password, Username } from '../schemas'
import { BackupCatalog, BackupConfig, DestinationConfig, DrillResult, RetentionDecision, RetentionPolicy, ScheduleKind } from '../schemas/backup'

/** Backups and recovery (issue #7): base backups, dumps, WAL, verify, drills, restores, retention, schedules. */
export const backupContract = {
  /** Every backup at the destination with its verification, drills and retention marks, and the recoverable window. */
  catalog: base.meta({ role: 'viewer' }).output(BackupCatalog.extend({ problems: z.array(z.string()) })),
  config: base.meta({ role: 'viewer' }).output(
    BackupConfig.omit({ recipients: true }).extend({
      recipients: z.array(z.object({ fingerprint: z.string(), userIds: z.array(z.string()) })),
      privateKeyPresent: z.boolean(),
      destinationDescription: z.string()
    })
  ),
  /** Starts a base backup or a logical dump (verified at once unless verify is false), or WAL shipping, now. */
  run: base.meta({ role: 'operator' }).input(z.object({ type: z.enum(['base', 'dump', 'wal']).default('base'), verify: z.boolean().default(true) })).output(JobRecord),
  verify: base.meta({ role: 'operator' }).input(z.object({ id: z.string().max(200).regex(/^[A-Za-z0-9-]+$/) })).output(JobRecord),
  /** Restores a backup (default: the newest) into a scratch container, checks it, records RTO/RPO, removes it. */
  drill: base.meta({ role: 'operator' }).input(z.object({ id: z.string().max(200).regex(/^[A-Za-z0-9-]+$/).optional() })).output(JobRecord),
  drills: base.meta({ role: 'viewer' }).output(z.array(DrillResult)),
  /** Restores the moment `time` into GREEN or scratch; an electronic signature (meaning: responsibility) comes first. */
  restore: base
    .meta({ role: 'admin' })
    .input(z.object({ time: z.string().max(64), into: z.enum(['green', 'scratch']).default('green'), username: Username, password: Password, comment: z.string().max(2000).optional() }))
    .output(JobRecord.extend({ signatureSeq: z.number() })),
  /** What retention would prune and why (dryRun), or prune it (audited). */
  prune: base.meta({ role: 'admin' }).input(z.object({ dryRun: z.boolean().default(true) })).output(z.array(RetentionDecision)),
  setSchedule: base.meta({ role: 'admin' }).input(z.object({ kind: ScheduleKind, cron: z.string().max(100).nullable() })).output(Ok),
  previewSchedule: base.meta({ role: 'viewer' }).input(z.object({ cron: z.string().max(100), count: z.number().int().min(1).max(20).default(5) })).output(z.object({ next: z.array(z.string()) })),
  setRetention: base.meta({ role: 'admin' }).input(RetentionPolicy).output(Ok),
  /** Destination (and S3 credentials, kept in the secret store); checked before it is saved. */
  setDestination: base
    .meta({ role: 'admin' })
    .input(z.object({ destination: DestinationConfig, accessKeyId: z.string().max(256).optional(), secretAccessKey: z.string().max(256).optional() }))
    .output(Ok),
  /** Adds an OpenPGP public key every new artifact is also encrypted to. */
  addRecipient: base.meta({ role: 'admin' }).input(z.object({ armoredPublicKey: z.string().min(100).max(100_000) })).output(z.object({ fingerprint: z.string() }))
}
