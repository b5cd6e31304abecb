import { z } from 'zod'
import { base } from '../contract-base'
import { Color, JobRecord, Password, Username } from '../schemas'

/** Blue-green deployment: prepare the standby, check the guardrails, promote, roll back, retire. */

export const Guardrail = z.object({
  id: z.enum(['standby-healthy', 'schema-version', 'content', 'replication', 'old-transactions', 'disk', 'pgbouncer']),
  name: z.string(),
  ok: z.boolean(),
  detail: z.string(),
  fix: z.string().nullable()
})
export type Guardrail = z.infer<typeof Guardrail>

export const EndpointContent = z.object({
  endpoint: z.string(),
  rows: z.number().int(),
  digest: z.string(),
  expectedRows: z.number().int().nullable(),
  expectedDigest: z.string().nullable(),
  expectationSource: z.string().nullable()
})

export const ColorFacts = z.object({
  color: Color,
  role: z.enum(['live', 'standby', 'absent']),
  container: z.string(),
  health: z.string(),
  port: z.number().int(),
  serverVersion: z.string().nullable(),
  schemaVersion: z.number().int().nullable(),
  startedAt: z.string().nullable(),
  /** Operator-table replication into this color: the subscription and its last measured lag. */
  replication: z.object({ from: Color.nullable(), enabled: z.boolean(), lagMs: z.number().nullable(), detail: z.string() }),
  content: z.array(EndpointContent),
  error: z.string().nullable()
})
export type ColorFacts = z.infer<typeof ColorFacts>

export const SwitchStepTiming = z.object({ step: z.string(), ms: z.number(), at: z.string() })
export const SwitchRecord = z.object({
  id: z.string(),
  kind: z.enum(['promote', 'rollback', 'auto-rollback']),
  from: Color,
  to: Color,
  fromPort: z.number().int(),
  toPort: z.number().int(),
  step: z.string(),
  state: z.enum(['running', 'done', 'undone', 'failed', 'recovered-done', 'recovered-undone']),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  /** First PAUSE to RESUME, measured on the console's side. */
  pauseMs: z.number().nullable(),
  steps: z.array(SwitchStepTiming),
  by: z.string(),
  signatureSeq: z.number().int().nullable(),
  overrideReason: z.string().nullable(),
  message: z.string().nullable(),
  /** WAL position on the new live color at the pause: replication back starts there. */
  reversePoint: z.string().nullable().default(null),
  /** The process carrying the switch out: recovery leaves a switch alone while it is alive. */
  ownerPid: z.number().int().nullable().default(null)
})
export type SwitchRecord = z.infer<typeof SwitchRecord>

export const DeployStatus = z.object({
  live: Color.nullable(),
  standby: Color.nullable(),
  colors: z.array(ColorFacts),
  /** The previous color stays warm (replicated back to) until this time; then it may be retired. */
  warmUntil: z.string().nullable(),
  preparedAt: z.string().nullable(),
  current: SwitchRecord.nullable(),
  history: z.array(SwitchRecord),
  /** What the start-up recovery found and did about a half-done switch (null: nothing to do). */
  recovered: z.string().nullable()
})
export type DeployStatus = z.infer<typeof DeployStatus>

const Signature = z.object({ username: Username, password: Password })
const SwitchInput = Signature.extend({
  /** Admins only: go ahead although guardrails fail; recorded and signed with this reason. */
  overrideReason: z.string().trim().min(10).max(2000).optional()
})

export const deployContract = {
  status: base.meta({ role: 'viewer' }).input(z.object({ content: z.boolean().default(true) }).default({ content: true })).output(DeployStatus),
  verify: base.meta({ role: 'viewer' }).output(z.object({ from: Color, to: Color, ok: z.boolean(), guardrails: z.array(Guardrail) })),
  prepare: base.meta({ role: 'operator' }).output(JobRecord),
  promote: base.meta({ role: 'operator' }).input(SwitchInput).output(JobRecord),
  rollback: base.meta({ role: 'operator' }).input(SwitchInput).output(JobRecord),
  retire: base.meta({ role: 'admin' }).input(Signature).output(JobRecord),
  recover: base.meta({ role: 'operator' }).output(z.object({ message: z.string().nullable() })),
  history: base.meta({ role: 'viewer' }).output(z.array(SwitchRecord))
}
