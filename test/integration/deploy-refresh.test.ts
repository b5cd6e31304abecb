import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateRecords } from '../../src/main/bench/generate-records'
import { contentChecksum } from '../../src/main/db/checksum'
import { API_KEY_SECRET } from '../../src/main/openfda/client/api-key'
import { ENDPOINT_DEFS, toRow, type Endpoint } from '../../src/main/openfda/endpoints'
import { startTestOpenFdaServer, type TestOpenFdaServer } from '../../src/main/openfda/testing/test-openfda-server'
import type { RefreshSummary } from '../../src/main/refresh/refresh'
import type { Color } from '../../src/shared/schemas'
import { PORT_OFFSET } from '../support/ports'
import { testStack } from '../support/test-stack'

// The join of the refresh orchestrator and blue-green: a refresh into GREEN starts from a prepared
// GREEN (preparing it when needed) and records there the expectation the promotion guardrail checks,
// computed from what the refresh applied, so a GREEN that differs from it blocks the promotion.
// Ports of this file: the stack at 60700+offset (60708/60728/60748 at offset 8), the test openFDA server at 60780+offset.
const SRV_PORT = 60780 + (PORT_OFFSET % 10)
const s = testStack(60700, { openfda: { baseUrl: `http://127.0.0.1:${SRV_PORT}`, retries: 2, timeoutSeconds: 5 } })
const PASSWORD = 'deploy refresh join passphrase'
const sign = { username: 'alice', password: PASSWORD }
const EPS: Endpoint[] = ['classification', 'recall', 'event']
let srv: TestOpenFdaServer

async function job(start: Promise<{ id: string }>): Promise<{ state: string; error: string | null }> {
  const done = await s.services.jobs.wait((await start).id)
  return { state: done.state, error: done.error ?? null }
}
async function refresh(input: Parameters<typeof s.client.refresh.start>[0]): Promise<RefreshSummary> {
  const started = await s.client.refresh.start(input)
  const done = await s.services.jobs.wait(started.id)
  if (done.state !== 'succeeded') throw new Error(`refresh failed: ${done.error}`)
  return (await s.client.refresh.result({ jobId: started.id }))!
}
const onColor = <T>(color: Color, fn: (c: pg.Client) => Promise<T>): Promise<T> => s.services.db.admin(color, fn)
const keyOf = (e: Endpoint): string => ENDPOINT_DEFS[e].keyColumns.join(" || '/' || ")
/** key → checksum of a color's endpoint table. */
async function state(color: Color, e: Endpoint): Promise<Map<string, string>> {
  const def = ENDPOINT_DEFS[e]
  const r = await onColor(color, (c) => c.query<{ k: string; checksum: string }>(`SELECT ${def.keyColumns.join(" || '/' || ")} AS k, checksum FROM openfda.${def.table}`))
  return new Map(r.rows.map((x) => [x.k, x.checksum]))
}
/** key → checksum of what the source serves. */
function expected(e: Endpoint): Map<string, string> {
  const key = s.services.db.checksumKey()
  return new Map(srv.records(e).map((r) => [toRow(e, r).keyText, contentChecksum(key, r)]))
}
const prepares = async (): Promise<number> =>
  Number((await s.services.db.app().query("SELECT count(*) AS n FROM console.audit_log WHERE action = 'deploy.prepare'")).rows[0].n)

beforeAll(async () => {
  srv = await startTestOpenFdaServer({
    records: {
      classification: [...generateRecords('classification', 40, { seed: 7 })],
      recall: [...generateRecords('recall', 30, { seed: 7 })],
      event: [...generateRecords('event', 50, { seed: 7 })]
    },
    partitionRecords: 20, port: SRV_PORT
  })
  const up = await job(s.client.stack.up({ green: false, samples: false }))
  if (up.state !== 'succeeded') throw new Error(`stack up failed: ${up.error}`)
  await s.client.auth.setupFirstAdmin({ username: 'alice', printedName: 'Alice Admin', password: PASSWORD })
  s.services.secrets.set(API_KEY_SECRET, 'KeyOfTheJoinTestDoNotLeak0123456789')
  await s.client.settings.set({ key: 'deploy.healthWindowSeconds', value: 2 })
  await s.client.settings.set({ key: 'deploy.minFreeDiskMb', value: 64 })
}, 300_000)
afterAll(async () => {
  await s.teardown()
  await srv?.close()
}, 120_000)

describe('refresh into GREEN → blue-green guardrails → promote', () => {
  let runId = ''

  it('prepares the absent GREEN first, applies there, records its expectation; verify passes; a deleted or altered row blocks the promotion', async () => {
    const r = await refresh({ endpoints: EPS, blueGreen: true, full: true })
    runId = r.runId
    expect(r.color).toBe('green')
    expect(await prepares()).toBe(1) // GREEN was absent: the refresh prepared it (clone + replication)
    expect(s.services.deploy.state.read().prepared).toMatchObject({ color: 'green', method: 'clone' })
    for (const e of EPS) expect(await state('green', e)).toEqual(expected(e))
    for (const e of EPS) expect((await state('blue', e)).size).toBe(0) // the live color is untouched
    // the expectation is the refresh's own, per refreshed endpoint; the others keep the copy's
    const st = await s.client.deploy.status({ content: true })
    const green = st.colors.find((c) => c.color === 'green')!
    expect(green.replication.from).toBe('blue')
    for (const x of green.content) {
      expect(x.expectationSource).toEqual(EPS.includes(x.endpoint as Endpoint) ? `refresh:${runId}` : expect.stringMatching(/^copy:/))
      expect([x.rows, x.digest]).toEqual([x.expectedRows, x.expectedDigest])
    }
    expect(r.endpoints.map((x) => [x.endpoint, x.expected?.rows])).toEqual([['classification', 40], ['recall', 30], ['event', 50]])
    // the refresh's audit entries on GREEN are in its own segment, not in the replicated main chain
    const seg = await onColor('green', (c) => c.query<{ segment: string; action: string }>("SELECT segment, action FROM console.audit_log WHERE after->>'run' = $1 OR (target_key = $1 AND segment <> 'main') ORDER BY seq", [runId]))
    expect(seg.rows.map((x) => x.action)).toEqual(['refresh.endpoint', 'refresh.endpoint', 'refresh.endpoint', 'refresh.run'])
    expect(new Set(seg.rows.map((x) => x.segment)).size).toBe(1)
    expect(seg.rows[0].segment).toMatch(/^refresh-/)

    const ok = await s.client.deploy.verify()
    expect(ok.guardrails.filter((g) => !g.ok)).toEqual([])
    const detail = ok.guardrails.find((g) => g.id === 'content')!.detail
    for (const part of ['all equal: ', 'classification 40', 'recall 30', 'event 50']) expect(detail).toContain(part)

    // GREEN loses a row after the refresh: the guardrail names the endpoint, the counts and whose expectation
    await onColor('green', async (c) => {
      await c.query('BEGIN')
      await c.query('SET LOCAL session_replication_role = replica')
      await c.query(`DELETE FROM openfda.${ENDPOINT_DEFS.classification.table} WHERE ${keyOf('classification')} = $1`, [toRow('classification', srv.records('classification')[5]).keyText])
      await c.query(`UPDATE openfda.${ENDPOINT_DEFS.recall.table} SET checksum = md5('tampered') WHERE ${keyOf('recall')} = $1`, [toRow('recall', srv.records('recall')[0]).keyText])
      await c.query('COMMIT')
    })
    const bad = await s.client.deploy.verify()
    const g = bad.guardrails.find((x) => x.id === 'content')!
    expect(g.ok).toBe(false)
    expect(g.detail).toContain(`classification: 39 rows, expected 40 (refresh:${runId})`)
    expect(g.detail).toMatch(new RegExp(`recall: digest [0-9a-f]{8}…, expected [0-9a-f]{8}… \\(refresh:${runId}\\)`))
    await expect(s.client.deploy.promote(sign)).rejects.toThrow(/rows and digests per endpoint equal the expectation/)
    expect((await s.client.status.get()).liveColor).toBe('blue')
  }, 240_000)

  it('the next refresh goes into the prepared GREEN (no new prepare), repairs it; promote makes GREEN live with the refreshed data', async () => {
    // openFDA moves on: 2 classifications withdrawn, 3 new
    const old = srv.records('classification')
    const keys = new Set(old.map((x) => toRow('classification', x).keyText))
    const added = [...generateRecords('classification', 30, { seed: 99, startIndex: 9000 })].filter((x) => {
      const k = toRow('classification', x).keyText
      return keys.has(k) ? false : (keys.add(k), true)
    }).slice(0, 3)
    expect(added).toHaveLength(3)
    srv.setRecords('classification', [...old.slice(2), ...added])
    const r = await refresh({ endpoints: EPS, blueGreen: true, full: true })
    expect(r.runId).not.toBe(runId)
    expect(await prepares()).toBe(1)
    const cls = r.endpoints.find((x) => x.endpoint === 'classification')!
    expect([cls.inserted, cls.deleted, cls.expected?.rows]).toEqual([4, 2, 41]) // the deleted row back, 3 new; 2 withdrawn
    expect(r.endpoints.find((x) => x.endpoint === 'recall')!.restored).toBe(1) // the altered row: openFDA's version restored
    const v = await s.client.deploy.verify()
    expect(v.guardrails.filter((g) => !g.ok)).toEqual([])

    const p = await job(s.client.deploy.promote(sign))
    expect(p.state, p.error ?? '').toBe('succeeded')
    expect((await s.client.status.get()).liveColor).toBe('green')
    // clients (through PgBouncer) now read the refreshed data
    for (const e of EPS) {
      const n = await s.services.db.app().query<{ n: string }>(`SELECT count(*) AS n FROM openfda.${ENDPOINT_DEFS[e].table}`)
      expect(Number(n.rows[0].n)).toBe(srv.records(e).length)
      expect(await state('green', e)).toEqual(expected(e))
    }
    // BLUE is now kept warm for a rollback: a blue-green refresh refuses to change it
    await expect(job(s.client.refresh.start({ endpoints: ['recall'], blueGreen: true, full: true }))).resolves.toMatchObject({ state: 'failed', error: expect.stringMatching(/BLUE is kept warm for a rollback/) })
  }, 180_000)
})
