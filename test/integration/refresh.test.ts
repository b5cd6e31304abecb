import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateRecords } from '../../src/main/bench/generate-records'
import { contentChecksum } from '../../src/main/db/checksum'
import { ENDPOINT_DEFS, toRow, type Endpoint } from '../../src/main/openfda/endpoints'
import { API_KEY_SECRET } from '../../src/main/openfda/client/api-key'
import { createReadPath } from '../../src/main/openfda/read-path-factory'
import { sqlEngineFor } from '../../src/main/openfda/sql-engine'
import { startTestOpenFdaServer, type TestOpenFdaServer } from '../../src/main/openfda/testing/test-openfda-server'
import type { RefreshSummary } from '../../src/main/refresh/refresh'
import { createDockerClient } from '../../src/main/stack/docker-client'
import type { Color } from '../../src/shared/schemas'
import { PORT_OFFSET } from '../support/ports'
import { testStack } from '../support/test-stack'

type Rec = Record<string, unknown>
const CLI = join(__dirname, '../../bin/fda-offline.mjs')
const PASSWORD = 'correct horse battery staple'
const EPS: Endpoint[] = ['classification', 'recall', 'event']
const SRV_PORT = 60080 + (PORT_OFFSET % 10)
const KEY = 'KeyOfTheTestDoNotLeak0123456789abcdef'
const s = testStack(60000, { openfda: { baseUrl: `http://127.0.0.1:${SRV_PORT}`, retries: 2, timeoutSeconds: 5 } })
let srv: TestOpenFdaServer

const today = new Date()
const compactDaysAgo = (d: number) => new Date(today.getTime() - d * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '')

/** key → checksum of a color's endpoint table. */
async function state(color: Color, e: Endpoint): Promise<Map<string, string>> {
  const def = ENDPOINT_DEFS[e]
  const r = await s.services.db.admin(color, (c) => c.query<{ k: string; checksum: string }>(`SELECT ${def.keyColumns.join(" || '/' || ")} AS k, checksum FROM openfda.${def.table}`))
  return new Map(r.rows.map((x) => [x.k, x.checksum]))
}
/** key → checksum of what the source serves. */
function expected(e: Endpoint, records = srv.records(e)): Map<string, string> {
  const key = s.services.db.checksumKey()
  return new Map(records.map((r) => [toRow(e, r).keyText, contentChecksum(key, r)]))
}
function diff(before: Map<string, string>, after: Map<string, string>) {
  let inserted = 0, updated = 0, deleted = 0
  for (const [k, v] of after) if (!before.has(k)) inserted++; else if (before.get(k) !== v) updated++
  for (const k of before.keys()) if (!after.has(k)) deleted++
  return { inserted, updated, deleted }
}
/** A real-looking revision: one text field of the record changes. */
function revise(r: Rec, tag: string): Rec {
  const field = ['device_name', 'product_description', 'reason_for_recall', 'event_type', 'definition'].find((f) => typeof r[f] === 'string') ?? 'report_source_code'
  return { ...r, [field]: `${String(r[field] ?? '')} (revised ${tag})` }
}
function fresh(e: Endpoint, n: number, seed: number, existing: Rec[], over: Partial<Rec> = {}): Rec[] {
  const keys = new Set(existing.map((r) => toRow(e, r).keyText))
  return [...generateRecords(e, n * 3, { seed, startIndex: 5000 })].filter((r) => !keys.has(toRow(e, r).keyText)).slice(0, n).map((r) => ({ ...r, ...over }))
}

function runCli(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.stdin.end(input ?? '')
    child.once('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

async function refresh(input: Parameters<typeof s.client.refresh.start>[0]): Promise<RefreshSummary> {
  const job = await s.client.refresh.start(input)
  const done = await s.services.jobs.wait(job.id)
  if (done.state !== 'succeeded') throw new Error(`refresh failed: ${done.error}`)
  return (await s.client.refresh.result({ jobId: job.id }))!
}

beforeAll(async () => {
  if (!existsSync(join(__dirname, '../../out/main/cli.js'))) throw new Error('run `npm run build` first: the resume test drives the built CLI')
  srv = await startTestOpenFdaServer({
    records: {
      classification: [...generateRecords('classification', 40, { seed: 3 })],
      recall: [...generateRecords('recall', 30, { seed: 3 })],
      event: [...generateRecords('event', 60, { seed: 3 })]
    },
    partitionRecords: 15, port: SRV_PORT
  })
  const job = await s.client.stack.up({ green: false, samples: false }) // the first blue-green refresh prepares GREEN
  const done = await s.services.jobs.wait(job.id)
  if (done.state !== 'succeeded') throw new Error(`stack up failed: ${done.error}`)
  await s.client.auth.setupFirstAdmin({ username: 'alice', printedName: 'Alice Admin', password: PASSWORD })
  s.services.secrets.set(API_KEY_SECRET, KEY)
})
afterAll(async () => {
  await s.teardown()
  await srv?.close()
})

describe('refresh from openFDA', () => {
  let blueSnapshot: Map<string, string>[] = []

  it('loads BLUE in place, then GREEN blue-green; inserts, updates and deletions reach GREEN only, GREEN equals the source', async () => {
    const inPlace = await refresh({ endpoints: EPS, blueGreen: false })
    expect(inPlace.color).toBe('blue')
    expect(inPlace.endpoints.map((e) => [e.endpoint, e.mode, e.inserted])).toEqual([['classification', 'bulk', 40], ['recall', 'bulk', 30], ['event', 'bulk', 60]])
    for (const e of EPS) expect(await state('blue', e)).toEqual(expected(e))
    const toGreen = await refresh({ endpoints: EPS, blueGreen: true })
    expect(toGreen.color).toBe('green')
    blueSnapshot = await Promise.all(EPS.map((e) => state('blue', e)))

    // openFDA changes: per endpoint 3 records withdrawn, 4 revised, 5 new
    for (const e of EPS) {
      const old = srv.records(e)
      srv.setRecords(e, [...old.slice(3, 7).map((r) => revise(r, 'r1')), ...old.slice(7), ...fresh(e, 5, 11, old)])
    }
    const r = await refresh({ endpoints: EPS, blueGreen: true, full: true })
    expect(r.color).toBe('green')
    expect(r.endpoints.map((e) => [e.endpoint, e.inserted, e.updated, e.deleted, e.conflicts])).toEqual(EPS.map((e) => [e, 5, 4, 3, 0]))
    for (const e of EPS) expect(await state('green', e)).toEqual(expected(e))
    // BLUE is untouched
    expect(await Promise.all(EPS.map((e) => state('blue', e)))).toEqual(blueSnapshot)
    // one audit entry per endpoint (in GREEN's refresh segment, with the change set's digest) and one per refresh (in both;
    // BLUE's main chain also replicates to the prepared GREEN)
    const audit = await s.services.db.admin('green', (c) => c.query("SELECT action, target_key, after FROM console.audit_log WHERE (after->>'run' = $1 OR target_key = $1) AND segment LIKE 'refresh-%' ORDER BY seq", [r.runId]))
    expect(audit.rows.map((a) => a.action)).toEqual(['refresh.endpoint', 'refresh.endpoint', 'refresh.endpoint', 'refresh.run'])
    expect(audit.rows[0].after).toMatchObject({ inserted: 5, updated: 4, deleted: 3, digest: r.endpoints[0].digest })
    expect(r.endpoints[0].digest).toMatch(/^[0-9a-f]{64}$/)
    const blueAudit = await s.services.db.admin('blue', (c) => c.query("SELECT action FROM console.audit_log WHERE target_key = $1", [r.runId]))
    expect(blueAudit.rows.map((a) => a.action)).toEqual(['refresh.run'])
  })

  it('refreshes events by a date window: changes inside it applied, records outside it left alone', async () => {
    // two recent events at openFDA, synced in full first
    const base = srv.records('event').map((r, i) => (i < 2 ? { ...r, date_received: compactDaysAgo(5) } : r))
    srv.setRecords('event', base)
    await refresh({ endpoints: ['event'], blueGreen: true, full: true })
    const before = await state('green', 'event')
    // now one recent event withdrawn, one revised, three new today, and one old one withdrawn
    const old = base[10]
    const next = [revise(base[1], 'r2'), ...base.slice(2).filter((r) => r !== old), ...fresh('event', 3, 12, base, { date_received: compactDaysAgo(0) })]
    srv.setRecords('event', next)
    const r = await refresh({ endpoints: ['event'], blueGreen: true })
    const ev = r.endpoints[0]
    expect(ev.mode).toBe('date-range')
    expect(ev.window?.field).toBe('date_received')
    expect([ev.inserted, ev.updated, ev.deleted]).toEqual([3, 1, 1])
    expect(ev.fetched).toBe(4)
    const after = await state('green', 'event')
    const want = expected('event')
    want.set(toRow('event', old).keyText, before.get(toRow('event', old).keyText)!) // outside the window: kept
    expect(after).toEqual(want)
  })

  it("conflict rule: openFDA's version wins over local edits, which are kept", async () => {
    await refresh({ endpoints: ['classification'], blueGreen: true, full: true }) // GREEN = source, delta_checksums known
    const recs = srv.records('classification')
    const [a, b, c] = recs.slice(0, 3).map((r) => toRow('classification', r).keyText)
    await s.services.db.admin('green', (q) =>
      q.query(`UPDATE openfda.device_classification SET record = record || '{"definition": "local note"}', checksum = 'local-' || checksum WHERE product_code = ANY($1)`, [[a, b, c]])
    )
    // openFDA revises a and withdraws b; c is unchanged at openFDA
    srv.setRecords('classification', [revise(recs[0], 'r4'), ...recs.slice(2)])
    const r = await refresh({ endpoints: ['classification'], blueGreen: true, full: true })
    expect(r.endpoints[0]).toMatchObject({ conflicts: 2, restored: 1, updated: 2, deleted: 1, inserted: 0 })
    expect(await state('green', 'classification')).toEqual(expected('classification'))
    const kept = await s.services.db.admin('green', (q) => q.query('SELECT key_text, kind, source_checksum IS NULL AS withdrawn, mirror_record FROM console.refresh_conflicts WHERE run_id = $1 ORDER BY key_text', [r.runId]))
    expect(kept.rows.map((x) => [x.key_text, x.kind, x.withdrawn])).toEqual([[a, 'both', false], [b, 'both', true], [c, 'mirror-only', false]].sort((x, y) => String(x[0]).localeCompare(String(y[0]))))
    expect(kept.rows.every((x) => x.mirror_record.definition === 'local note')).toBe(true)
  })

  it('killed with SIGKILL mid-way and run again: resumed, same result, nothing applied twice', async () => {
    await refresh({ endpoints: EPS, blueGreen: true, full: true }) // GREEN = source
    const before = await Promise.all(EPS.map((e) => state('green', e)))
    for (const e of EPS) {
      const old = srv.records(e)
      srv.setRecords(e, [...old.slice(2, 5).map((r) => revise(r, 'r3')), ...old.slice(5), ...fresh(e, 4, 13, old)])
    }
    const want = EPS.map((e) => expected(e))
    srv.setFaults([{ kind: 'slow', delayMs: 600, match: '/download/device/', times: Infinity }])
    const args = ['--home', s.home, '--user', 'alice', '--password-stdin', 'refresh', '--blue-green', '--full', '--source', srv.url, '--endpoint', ...EPS]
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'ignore', 'ignore'] })
    child.stdin.end(PASSWORD)
    let staged = 0
    for (let i = 0; i < 600 && staged < 4; i++) {
      await new Promise((r) => setTimeout(r, 100))
      staged = Number((await s.services.db.admin('green', (c) => c.query("SELECT count(*) AS n FROM console.refresh_units u JOIN console.refresh_runs r ON r.id = u.run_id WHERE r.state = 'running'"))).rows[0].n)
    }
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    expect(staged).toBeGreaterThanOrEqual(4)
    const killed = await s.services.db.admin('green', (c) => c.query("SELECT id, state FROM console.refresh_runs WHERE state = 'running'"))
    expect(killed.rows).toHaveLength(1)
    srv.setFaults([])

    // not execFileSync: the test server runs in this process and must keep answering
    const run = await runCli(['--json', ...args], PASSWORD)
    expect(run.code, run.stderr).toBe(0)
    const out = run.stdout
    const summary = JSON.parse(out.slice(out.lastIndexOf('\n{\n') + 1)) as RefreshSummary
    expect(summary.resumed).toBe(true)
    expect(summary.runId).toBe(killed.rows[0].id)
    for (const [i, e] of EPS.entries()) {
      expect(await state('green', e)).toEqual(want[i])
      const d = diff(before[i], want[i])
      expect(summary.endpoints[i]).toMatchObject({ endpoint: e, ...d })
      expect(d).toEqual({ inserted: 4, updated: 3, deleted: 2 })
    }
    // every unit staged once, every endpoint applied once
    const units = await s.services.db.admin('green', (c) => c.query('SELECT endpoint, count(*) AS n, count(DISTINCT unit) AS d FROM console.refresh_units WHERE run_id = $1 GROUP BY endpoint', [summary.runId]))
    for (const u of units.rows) expect(u.n).toBe(u.d)
    const applied = await s.services.db.admin('green', (c) => c.query("SELECT count(*) AS n FROM console.audit_log WHERE action = 'refresh.endpoint' AND after->>'run' = $1", [summary.runId]))
    expect(Number(applied.rows[0].n)).toBe(3)
  })
})

describe('cancelling, failing, and the API key', () => {
  it('a cancelled refresh stops, and the next one resumes it', async () => {
    for (const e of ['recall'] as Endpoint[]) srv.setRecords(e, [...srv.records(e).slice(1), ...fresh(e, 2, 14, srv.records(e))])
    srv.setFaults([{ kind: 'slow', delayMs: 1500, match: '/download/device/', times: Infinity }])
    const job = await s.client.refresh.start({ endpoints: ['recall'], blueGreen: true, full: true })
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100))
      if ((await s.client.jobs.get({ jobId: job.id })).last?.message?.includes('downloading')) break
    }
    await s.client.jobs.cancel({ jobId: job.id })
    const done = await s.services.jobs.wait(job.id)
    expect(done.state).toBe('cancelled')
    const run = await s.services.db.admin('green', (c) => c.query("SELECT id, state FROM console.refresh_runs WHERE job_id = $1", [job.id]))
    expect(run.rows[0].state).toBe('cancelled')
    srv.setFaults([])
    const r = await refresh({ endpoints: ['recall'], blueGreen: true, full: true })
    expect(r.resumed).toBe(true)
    expect(r.runId).toBe(run.rows[0].id)
    expect(await state('green', 'recall')).toEqual(expected('recall'))
  })

  it('sends the key to openFDA and never writes it to errors, job history, the audit trail or run records', async () => {
    expect(srv.requests.some((r) => r.apiKey === KEY)).toBe(true)
    srv.setFaults([{ kind: 'status', status: 500, match: '/download.json', times: Infinity }])
    const job = await s.client.refresh.start({ endpoints: ['classification'], blueGreen: true, full: true })
    const done = await s.services.jobs.wait(job.id)
    srv.setFaults([])
    expect(done.state).toBe('failed')
    expect(done.error).toMatch(/did not answer .*download\.json.* after 3 attempts: 500/)
    const history = readFileSync(join(s.home, 'jobs', 'history.json'), 'utf8')
    expect(history).toContain('download.json')
    expect(history).not.toContain(KEY)
    for (const color of ['blue', 'green'] as Color[]) {
      const text = await s.services.db.admin(color, async (c) => {
        const a = await c.query('SELECT string_agg(coalesce(after::text, \'\') || coalesce(before::text, \'\') || coalesce(reason, \'\'), \' \') AS t FROM console.audit_log')
        const runs = await c.query('SELECT string_agg(coalesce(error, \'\') || coalesce(summary::text, \'\') || source, \' \') AS t FROM console.refresh_runs')
        return `${a.rows[0].t} ${runs.rows[0].t ?? ''}`
      })
      expect(text.length).toBeGreaterThan(0)
      expect(text).not.toContain(KEY)
    }
  })
})

describe('the read path', () => {
  it('with BLUE and PgBouncer stopped answers from the API, then the cache, and says why PostgreSQL was skipped', async () => {
    const sql = sqlEngineFor(s.services)
    try {
      const rp = createReadPath(s.services, sql.engine)
      const up = await rp.query('classification', { limit: 3 })
      expect(up.meta.fda_offline.tier).toBe('postgres')
      expect(up.results).toHaveLength(3)

      const st = await runCli(['--json', '--home', s.home, '--user', 'alice', '--password-stdin', 'status'], PASSWORD)
      expect(st.code, st.stderr).toBe(0)
      const fr = (JSON.parse(st.stdout) as { freshness: { endpoint: string; state: string }[] }).freshness
      expect(fr.find((f) => f.endpoint === 'classification')?.state).toBe('fresh')
      expect(fr.find((f) => f.endpoint === 'udi')?.state).toBe('overdue')

      const docker = createDockerClient()
      await docker.getContainer(`${s.stackName}-pgbouncer`).stop({ t: 2 })
      await docker.getContainer(`${s.stackName}-blue`).stop({ t: 5 })
      srv.requests.length = 0
      const q = { search: '_exists_:product_res_number', limit: 5 }
      const first = await rp.query('recall', q)
      expect(first.meta.fda_offline.tier).toBe('api')
      expect(first.meta.fda_offline.skipped[0]).toMatchObject({ tier: 'postgres' })
      expect(first.meta.fda_offline.skipped[0].reason).toMatch(/not reachable/)
      expect(first.meta.results?.total).toBeGreaterThan(0)
      const second = await rp.query('recall', q)
      expect(second.meta.fda_offline.tier).toBe('cache')
      expect(second.meta.fda_offline.skipped.map((x) => x.tier)).toEqual(['postgres'])
      expect(second.results).toEqual(first.results)
      expect(srv.requests).toHaveLength(1)

      // the CLI, signed out while the database is down: the same path, the tier on stderr
      const { code, stdout, stderr } = await runCli(['--home', s.home, 'query', 'classification', '--limit', '2'])
      expect(code, stderr).toBe(0)
      expect(JSON.parse(stdout).meta.fda_offline.tier).toBe('api')
      expect(stderr).toMatch(/answered by: api .*postgres skipped: PostgreSQL through PgBouncer is not reachable/)

      // openFDA failing as well: degraded, with every reason, not an exception
      srv.setFaults([{ kind: 'status', status: 503, times: Infinity }])
      const none = await rp.query('recall', { search: '_exists_:product_res_number', limit: 6 })
      expect(none.meta.fda_offline).toMatchObject({ tier: null, degraded: true })
      expect(none.meta.fda_offline.skipped.map((x) => x.tier)).toEqual(['postgres', 'cache', 'api'])
      expect(none.results).toEqual([])
      srv.setFaults([])
    } finally {
      await sql.close()
    }
  })
})
