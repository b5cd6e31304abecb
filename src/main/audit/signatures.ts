import type { AuditService } from './audit-service'
import type { Database } from '../db/database'
import { StackError } from '../stack/stack-error'
import type { Client, Session, UserService } from '../users/user-service'

export type Meaning = 'approval' | 'review' | 'responsibility'

export interface SignatureResult {
  signatureSeq: number
  signedSeq: number
  printedName: string
  meaning: Meaning
  signedAt: string
}

/**
 * An electronic signature (21 CFR Part 11 §11.50, §11.70, §11.200): the signed-in person re-enters
 * user name and password; the signature entry records printed name, time (the database's) and
 * meaning, and names both the sequence number and the hash of the entry it signs, so it cannot be
 * copied onto another record.
 */
export async function signEntry(
  deps: { db: Database; audit: AuditService; users: UserService },
  session: Session,
  input: { seq: number; meaning: Meaning; username: string; password: string; comment?: string },
  client: Client
): Promise<SignatureResult> {
  if (input.username.trim().toLowerCase() !== session.user.username)
    throw new StackError('FORBIDDEN', 'A signature must be made by the person who is signed in.', `Enter your own user name (${session.user.username}) and password.`)
  const user = await deps.users.authenticate(input.username, input.password, client, 'signature')
  const actor = { userId: user.id, username: user.username, client }
  return deps.db.tx(actor, async (c) => {
    const target = await c.query<{ hash: string; action: string }>('SELECT hash, action FROM console.audit_log WHERE seq = $1', [input.seq])
    if (!target.rows[0]) throw new StackError('INVALID_REQUEST', `There is no audit entry ${input.seq}.`, 'Check the sequence number in the audit trail.')
    if (target.rows[0].action === 'signature') throw new StackError('INVALID_REQUEST', `Entry ${input.seq} is itself a signature.`, 'Sign the entry of the action instead.')
    const { seq } = await deps.audit.record(actor, {
      action: 'signature', targetType: 'audit', targetKey: String(input.seq), reason: input.meaning,
      after: { meaning: input.meaning, printedName: user.printedName, userId: user.id, signedSeq: input.seq, signedHash: target.rows[0].hash, comment: input.comment ?? null }
    }, c)
    const ts = await c.query<{ ts: Date }>('SELECT ts FROM console.audit_log WHERE seq = $1', [seq])
    return { signatureSeq: seq, signedSeq: input.seq, printedName: user.printedName, meaning: input.meaning, signedAt: ts.rows[0].ts.toISOString() }
  })
}
