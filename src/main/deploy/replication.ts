import type pg from 'pg'
import type { Color } from '../../shared/schemas'

/**
 * Operator tables (users, sessions, settings, the main audit chain, the switch marker) flow by
 * logical replication from the live color to the standby: publications fda_ops and fda_ops_audit
 * (sql/0030_deploy.sql), one subscription on the receiving color named after the direction.
 */
export const PUBLICATIONS = 'fda_ops, fda_ops_audit'
export const subscriptionName = (from: Color, to: Color): string => `fda_ops_${from}_to_${to}`
/** The standby's audit sequence runs this far ahead, so a refresh's segment never collides with replicated entries. */
export const AUDIT_SEQ_GAP = 1_000_000_000

export function connInfo(port: number, user: string, password: string): string {
  const q = (v: string): string => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  return `host=127.0.0.1 port=${port} dbname=mirror user=${q(user)} password=${q(password)} application_name=fda_ops`
}

/** Subscriptions on this color: name, enabled, whose slot. */
export async function subscriptions(c: pg.ClientBase): Promise<{ name: string; enabled: boolean; slot: string | null; pid: number | null }[]> {
  const r = await c.query<{ subname: string; subenabled: boolean; subslotname: string | null; pid: number | null }>(
    `SELECT s.subname, s.subenabled, s.subslotname, (SELECT st.pid FROM pg_stat_subscription st WHERE st.subid = s.oid AND st.relid IS NULL LIMIT 1) AS pid
       FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid WHERE d.datname = current_database()`
  )
  return r.rows.map((x) => ({ name: x.subname, enabled: x.subenabled, slot: x.subslotname, pid: x.pid }))
}

/** Drops a subscription; when its publisher is gone, detaches the slot first (the slot is dropped separately). */
export async function dropSubscription(c: pg.ClientBase, name: string): Promise<void> {
  const exists = await c.query('SELECT 1 FROM pg_subscription WHERE subname = $1', [name])
  if (!exists.rowCount) return
  const ident = c.escapeIdentifier(name)
  try {
    await c.query(`DROP SUBSCRIPTION ${ident}`)
  } catch {
    await c.query(`ALTER SUBSCRIPTION ${ident} DISABLE`)
    await c.query(`ALTER SUBSCRIPTION ${ident} SET (slot_name = NONE)`)
    await c.query(`DROP SUBSCRIPTION ${ident}`)
  }
}

export async function dropSlotIfExists(c: pg.ClientBase, slot: string): Promise<void> {
  await c.query(
    `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active`,
    [slot]
  )
}

/**
 * Subscribes `c` (the receiving color) to the publisher; with copyData the operator tables are copied
 * first. Applied changes commit without waiting for their flush (visible at once, which keeps the
 * catch-up inside a switch's pause short); `flushApplied` makes them durable before the publisher's
 * slot is given up.
 */
export async function createSubscription(c: pg.ClientBase, name: string, publisher: string, opts: { copyData: boolean; existingSlot: boolean }): Promise<void> {
  await c.query(
    `CREATE SUBSCRIPTION ${c.escapeIdentifier(name)} CONNECTION ${c.escapeLiteral(publisher)} PUBLICATION ${PUBLICATIONS}
     WITH (copy_data = ${opts.copyData}, create_slot = ${!opts.existingSlot}, slot_name = ${c.escapeLiteral(name)}, synchronous_commit = 'off')`
  )
}

/** Tables of a subscription not yet in the streaming ('r') state. */
export async function unsyncedTables(c: pg.ClientBase, name: string): Promise<string[]> {
  const r = await c.query<{ rel: string }>(
    `SELECT sr.srrelid::regclass::text AS rel FROM pg_subscription_rel sr JOIN pg_subscription s ON s.oid = sr.srsubid
      WHERE s.subname = $1 AND sr.srsubstate <> 'r'`,
    [name]
  )
  return r.rows.map((x) => x.rel)
}

/**
 * Proves the receiving color has applied every operator change committed on the sending color so
 * far: a token written on the sender (commit order) must arrive. Returns the round trip in ms.
 */
export async function markAndWait(sender: pg.ClientBase, receiver: pg.ClientBase, token: string, withinMs: number, pollMs = 2): Promise<number> {
  const t0 = performance.now()
  await sender.query('UPDATE console.deploy_marker SET token = $1, at = clock_timestamp() WHERE id = 1', [token])
  for (;;) {
    const r = await receiver.query<{ token: string }>('SELECT token FROM console.deploy_marker WHERE id = 1')
    if (r.rows[0]?.token === token) return performance.now() - t0
    if (performance.now() - t0 > withinMs) throw new Error(`operator-table replication did not catch up within ${withinMs} ms`)
    await new Promise((res) => setTimeout(res, pollMs))
  }
}

/** Sequences of the console schema on the new live color move to at least the old live color's values. */
export async function syncSequences(from: pg.ClientBase, to: pg.ClientBase, margin = 0): Promise<number> {
  const r = await from.query<{ schemaname: string; sequencename: string; last_value: string | null }>(
    `SELECT schemaname, sequencename, last_value FROM pg_sequences WHERE schemaname = 'console' AND last_value IS NOT NULL`
  )
  if (!r.rows.length) return 0
  // One round trip: every sequence at once.
  await to.query(
    `SELECT setval(format('%I.%I', s.schemaname, s.sequencename)::regclass, greatest(v.last_value + $3::bigint, coalesce(s.last_value, 1)))
       FROM unnest($1::text[], $2::bigint[]) AS v(sequencename, last_value)
       JOIN pg_sequences s ON s.schemaname = 'console' AND s.sequencename = v.sequencename`,
    [r.rows.map((x) => x.sequencename), r.rows.map((x) => x.last_value), margin]
  )
  return r.rows.length
}

/** The standby's audit sequence jumps ahead of the live color's, so its own segments never collide. */
export async function gapAuditSequence(live: pg.ClientBase, standby: pg.ClientBase): Promise<void> {
  const r = await live.query<{ v: string }>('SELECT coalesce(last_value, 1)::text AS v FROM pg_sequences WHERE schemaname = $1 AND sequencename = $2', ['console', 'audit_seq'])
  await standby.query(`SELECT setval('console.audit_seq', greatest($1::bigint + ${AUDIT_SEQ_GAP}, (SELECT coalesce(last_value, 1) FROM pg_sequences WHERE schemaname = 'console' AND sequencename = 'audit_seq')))`, [r.rows[0]?.v ?? '1'])
}

/**
 * Entries of audit segments other than the main chain (a refresh's own chain) are not replicated;
 * at a switch each color receives the other's, verbatim (same seq, time and hashes, chain trigger
 * bypassed by replica mode), so the trail on either color holds every entry written on either.
 */
export async function exchangeSegments(a: pg.ClientBase, b: pg.ClientBase): Promise<number> {
  let copied = 0
  for (const [src, dst] of [[a, b], [b, a]] as const) {
    const have = new Set((await dst.query<{ seq: string }>(`SELECT seq::text FROM console.audit_log WHERE segment <> 'main'`)).rows.map((r) => r.seq))
    // As text: a JavaScript Date would drop the microseconds the hash covers, and a JSON round trip could reformat numbers.
    const rows = (
      await src.query(
        `SELECT seq::text, ts::text, user_id, username, action, target_type, target_key, before::text, after::text, reason, client, segment, prev_hash, hash
           FROM console.audit_log WHERE segment <> 'main' ORDER BY seq`
      )
    ).rows.filter((r) => !have.has(String(r.seq)))
    if (!rows.length) continue
    await dst.query('BEGIN')
    try {
      await dst.query('SET LOCAL session_replication_role = replica')
      for (const r of rows) {
        await dst.query(
          `INSERT INTO console.audit_log (seq, ts, user_id, username, action, target_type, target_key, before, after, reason, client, segment, prev_hash, hash)
           VALUES ($1::bigint, $2::timestamptz, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11, $12, $13, $14)`,
          [r.seq, r.ts, r.user_id, r.username, r.action, r.target_type, r.target_key, r.before, r.after, r.reason, r.client, r.segment, r.prev_hash, r.hash]
        )
      }
      await dst.query('COMMIT')
      copied += rows.length
    } catch (e) {
      await dst.query('ROLLBACK').catch(() => {})
      throw e
    }
  }
  return copied
}

/** A synchronous commit flushes every earlier commit of this server, the apply worker's included. */
export async function flushApplied(c: pg.ClientBase): Promise<void> {
  await c.query('BEGIN')
  await c.query('SET LOCAL synchronous_commit = on')
  await c.query('SELECT txid_current()')
  await c.query('COMMIT')
}
