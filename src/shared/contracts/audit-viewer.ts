import { z } from 'zod'
import { base } from '../contract-base'
import { ChainStatus } from '../schemas'

/**
 * The audit viewer: filtered, keyset-paginated reads of the trail, one entry in detail, the cached
 * chain status, and exports. Spread into the `audit` area of the contract.
 */

const Text = (max: number) => z.string().max(max)
const Instant = z.iso.datetime({ offset: true })

/** Every filter is optional; all given filters must hold. Sizes are bounded (the server parameterises every value). */
export const AuditFilter = z
  .object({
    /** Login names (exact), e.g. "alice" or "os:root" or "db:postgres". */
    users: z.array(Text(100).min(1)).max(20).optional(),
    userId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    /** Actions (exact), or a prefix ending in "." (e.g. "user." for every user.* action). */
    actions: z.array(Text(100).min(1)).max(50).optional(),
    targetType: Text(100).min(1).optional(),
    targetKey: Text(500).min(1).optional(),
    from: Instant.optional(),
    to: Instant.optional(),
    fromSeq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
    toSeq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
    /** Free text, case-insensitive, anywhere in action, user, target, reason, before or after. */
    text: Text(200).optional(),
    segment: Text(100).min(1).optional()
  })
  .strict()
export type AuditFilter = z.infer<typeof AuditFilter>

export const AuditRow = z.object({
  seq: z.number().int(),
  ts: z.string(),
  userId: z.number().int().nullable(),
  username: z.string().nullable(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetKey: z.string().nullable(),
  reason: z.string().nullable(),
  client: z.string(),
  segment: z.string(),
  /** Signatures that sign this entry. */
  signatures: z.number().int()
})
export type AuditRow = z.infer<typeof AuditRow>

export const LinkedSignature = z.object({
  seq: z.number().int(),
  ts: z.string(),
  userId: z.number().int().nullable(),
  username: z.string().nullable(),
  printedName: z.string().nullable(),
  meaning: z.string().nullable(),
  comment: z.string().nullable(),
  signedSeq: z.number().int().nullable(),
  signedHash: z.string().nullable(),
  /** The hash named by the signature is still the signed entry's hash. */
  hashMatches: z.boolean()
})

export const AuditEntry = AuditRow.extend({
  printedName: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  prevHash: z.string(),
  hash: z.string(),
  signedBy: z.array(LinkedSignature),
  /** When this entry is a signature: the entry it signs. */
  signs: AuditRow.nullable()
})
export type AuditEntry = z.infer<typeof AuditEntry>

export const ExportFormat = z.enum(['pdf', 'csv', 'json'])
export type ExportFormat = z.infer<typeof ExportFormat>

export const ChainState = ChainStatus.extend({
  /** incremental: checked from the last verified entry on (whose hash must be unchanged); full: from the first entry. */
  mode: z.enum(['incremental', 'full']),
  lastFullAt: z.string().nullable(),
  seconds: z.number()
})

export const auditViewerContract = {
  /** One page of entries, newest first by default; pass `next` of a page as `after` for the following one. */
  list: base
    .input(z.object({ filter: AuditFilter.default({}), order: z.enum(['desc', 'asc']).default('desc'), after: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).nullable().default(null), limit: z.number().int().min(1).max(500).default(200) }).strict())
    .output(z.object({ rows: z.array(AuditRow), next: z.number().int().nullable() })),
  /** How many entries match (counted up to `cap`). */
  count: base
    .input(z.object({ filter: AuditFilter.default({}), cap: z.number().int().min(1).max(10_000_000).default(1_000_000) }).strict())
    .output(z.object({ count: z.number().int(), capped: z.boolean() })),
  entry: base.input(z.object({ seq: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) }).strict()).output(AuditEntry),
  /** The values present, for the filter pickers. */
  facets: base.output(z.object({ users: z.array(z.string()), actions: z.array(z.string()), targetTypes: z.array(z.string()) })),
  /** The chain status, verified incrementally from the last verified entry (fast at a million entries); `full` re-checks from the start. */
  chain: base.input(z.object({ full: z.boolean().default(false) }).strict().default({ full: false })).output(ChainState),
  /** An export of a filtered range for download (bounded; larger ones with `fda-offline audit export`). Recorded in the trail. */
  export: base
    .input(z.object({ format: ExportFormat, filter: AuditFilter.default({}) }).strict())
    .output(z.object({ filename: z.string(), mimeType: z.string(), base64: z.string(), entries: z.number().int(), sha256: z.string(), auditSeq: z.number().int() })),
  /** Command line only: writes an export of any size to a file. Recorded in the trail. */
  exportFile: base
    .input(z.object({ format: ExportFormat, filter: AuditFilter.default({}), out: z.string().min(1).max(4096) }).strict())
    .output(z.object({ file: z.string(), entries: z.number().int(), bytes: z.number().int(), sha256: z.string(), auditSeq: z.number().int() }))
}
