import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobContext } from '../../src/main/jobs/job-manager'
import type { Color } from '../../src/shared/schemas'
import { testStack } from '../support/test-stack'

// The join of backups and blue-green: a restore to a moment into GREEN hands GREEN to the blue-green
// flow (operator tables replicating from the live color, the expectation the restore vouched for), so
// `deploy verify` checks it meaningfully and `deploy promote` makes the restored moment live.
// Ports of this file: the stack at 60750+offset (60758/60778/60798 at offset 8), scratch restores at 60790.
const s = testStack(60750)
const PASSWORD = 'deploy restore join passphrase'
const sign = { username: 'alice', password: PASSWORD }
const actor = { userId: null, username: 'join-test', client: 'system' as const }
const ctx = (): JobContext => ({ jobId: 'join-test', signal: new AbortController().signal, report: () => {} })
const onColor = <T>(color: Color, fn: (c: pg.Client) => Promise<T>): Promise<T> => s.services.db.admin(color, fn)
// Enforcement reports: the samples' largest endpoint (9 records).
const countEnf = async (color: Color): Promise<number> => Number((await onColor(color, (c) => c.query('SELECT count(*) AS n FROM openfda.device_enforcement'))).rows[0].n)
const withdrawOneEnf = (): Promise<unknown> =>
  onColor('blue', (c) => c.query('DELETE FROM openfda.device_enforcement WHERE recall_number = (SELECT min(recall_number) FROM openfda.device_enforcement)'))

beforeAll(async () => {
  const up = await s.services.jobs.wait((await s.client.stack.up({ green: false, samples: true })).id)
  if (up.state !== 'succeeded') throw new Error(`stack up failed: ${up.error}`)
  await s.client.auth.setupFirstAdmin({ username: 'alice', printedName: 'Alice Admin', password: PASSWORD })
  s.services.backup.store.saveConfig({ ...s.services.backup.config(), scratchPort: 60790 })
  await s.client.settings.set({ key: 'deploy.healthWindowSeconds', value: 2 })
  await s.client.settings.set({ key: 'deploy.minFreeDiskMb', value: 64 })
}, 300_000)
afterAll(async () => {
  await s.services.backup.removeScratch().catch(() => {})
  await s.teardown()
}, 120_000)

describe('restore into GREEN → verify → promote', () => {
  it('GREEN restored to T replicates the operator tables, expects what the restore vouched for, passes verify and is promoted', async () => {
    const base = await s.services.backup.base(actor, ctx())
    const atBase = await countEnf('blue')
    expect(base.endpoints.enforcement.rows).toBe(atBase)
    expect(atBase).toBeGreaterThanOrEqual(3)
    await withdrawOneEnf() // after the base backup, before T: replayed into GREEN
    await new Promise((r) => setTimeout(r, 1500))
    const T = new Date().toISOString()
    await new Promise((r) => setTimeout(r, 1500))
    await withdrawOneEnf() // after T: not in GREEN
    const { shipWal } = await import('../../src/main/backup/ship-wal')
    await shipWal((s.services.backup as unknown as { deps: never }).deps, actor, ctx(), 'blue', { switchFirst: true })

    const r = await s.services.backup.restoreIntoGreen(T, actor, ctx())
    expect(r.checks.filter((c) => !c.ok)).toEqual([])
    expect(r.checks.find((c) => c.name === 'blue-green hand-off')!.detail).toMatch(/GREEN handed to blue-green: operator tables replicate BLUE → GREEN/)
    expect(await countEnf('green')).toBe(atBase - 1)
    expect(await countEnf('blue')).toBe(atBase - 2)
    expect(s.services.deploy.state.read().prepared).toMatchObject({ color: 'green', method: 'restore' })

    // the expectation: confirmed by the manifest where nothing changed after the base backup, the restore's own where WAL replay moved it
    const st = await s.client.deploy.status({ content: true })
    const green = st.colors.find((c) => c.color === 'green')!
    expect(green.replication).toMatchObject({ from: 'blue', enabled: true })
    for (const x of green.content) {
      expect(x.expectationSource).toBe(x.endpoint === 'enforcement' ? `restore:${r.id}@${T}` : `backup:${base.id}`)
      expect([x.rows, x.digest]).toEqual([x.expectedRows, x.expectedDigest])
    }
    // operator tables follow BLUE (users, settings, the main audit chain): a change there arrives on GREEN
    await s.client.settings.set({ key: 'deploy.maxTransactionSeconds', value: 17 })
    await new Promise((r) => setTimeout(r, 500))
    expect(Number((await onColor('green', (c) => c.query("SELECT value FROM console.settings WHERE key = 'deploy.maxTransactionSeconds'"))).rows[0].value)).toBe(17)
    const adopted = await s.services.db.app().query("SELECT after FROM console.audit_log WHERE action = 'deploy.adopt-restore'")
    expect(adopted.rows[0].after).toMatchObject({ restore: r.id, backup: base.id, matchesManifest: expect.not.arrayContaining(['enforcement']) })

    const v = await s.client.deploy.verify()
    expect(v.guardrails.filter((g) => !g.ok)).toEqual([])

    // a record of the restored GREEN altered afterwards blocks the promotion, naming whose expectation it breaks; put back, it passes
    const alter = (to: string | null) => onColor('green', async (c) => {
      await c.query('BEGIN')
      await c.query('SET LOCAL session_replication_role = replica')
      const r = await c.query<{ was: string }>(
        `UPDATE openfda.device_classification t SET checksum = coalesce($1, md5('altered')) FROM (SELECT product_code, checksum AS was FROM openfda.device_classification ORDER BY product_code LIMIT 1) o
          WHERE t.product_code = o.product_code RETURNING o.was`, [to])
      await c.query('COMMIT')
      return r.rows[0].was
    })
    const original = await alter(null)
    const blocked = await s.client.deploy.verify()
    expect(blocked.guardrails.find((g) => g.id === 'content')!.detail).toMatch(new RegExp(`classification: digest [0-9a-f]{8}…, expected [0-9a-f]{8}… \\(backup:${base.id}\\)`))
    await expect(s.client.deploy.promote(sign)).rejects.toThrow(/rows and digests per endpoint equal the expectation/)
    await alter(original)
    expect((await s.client.deploy.verify()).guardrails.filter((g) => !g.ok)).toEqual([])

    const p = await s.services.jobs.wait((await s.client.deploy.promote(sign)).id)
    expect(p.state, p.error ?? '').toBe('succeeded')
    expect((await s.client.status.get()).liveColor).toBe('green')
    // clients now read the restored moment, and the users and audit trail came along
    expect(Number((await s.services.db.app().query('SELECT count(*) AS n FROM openfda.device_enforcement')).rows[0].n)).toBe(atBase - 1)
    expect((await s.client.audit.verify()).ok).toBe(true)
  }, 240_000)
})
