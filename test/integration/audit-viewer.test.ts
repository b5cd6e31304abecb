import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFiledHead, verifyExport } from '../../src/main/audit/export/verify-export'
import { runCli } from '../../src/main/cli/main'
import { testStack } from '../support/test-stack'

// Port block of issue 8 (60400–60499): this stack uses 60400+offset, +20, +40.
const s = testStack(60400)
const PASSWORD = 'correct horse battery staple'
const asSuperuser = <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => s.services.db.admin('blue', fn)
/** As the superuser with triggers off (session_replication_role): what an attacker with the database files could do. */
const tamper = (sql: string, params: unknown[] = []) =>
  asSuperuser(async (c) => {
    await c.query('SET session_replication_role = replica')
    await c.query(sql, params)
  })
const rowCount = async () => Number((await s.services.db.app().query('SELECT count(*) AS n FROM console.audit_log')).rows[0].n)

let signedSeq = 0

beforeAll(async () => {
  const job = await s.client.stack.up({ green: false })
  const done = await s.services.jobs.wait(job.id)
  if (done.state !== 'succeeded') throw new Error(`stack up failed: ${done.error}`)
  await s.client.auth.setupFirstAdmin({ username: 'alice', printedName: 'Alice Admin', password: PASSWORD })
  for (const v of [6, 7, 8, 9, 10]) await s.client.settings.set({ key: 'auth.maxFailedLogins', value: v })
  const last = await s.client.audit.list({ filter: { actions: ['settings.change'] }, limit: 1 })
  signedSeq = last.rows[0].seq
  await s.client.audit.sign({ seq: signedSeq, meaning: 'approval', username: 'alice', password: PASSWORD, comment: 'reviewed the lockout change' })
})
afterAll(() => s.teardown())

describe('audit viewer', () => {
  it('pages by keyset through every entry, newest first, without gaps or repeats', async () => {
    const total = await rowCount()
    const seen: number[] = []
    let after: number | null = null
    for (;;) {
      const page = await s.client.audit.list({ after, limit: 3 })
      seen.push(...page.rows.map((r) => r.seq))
      if (page.next === null) break
      after = page.next
    }
    expect(seen.length).toBe(total)
    expect([...seen].sort((a, b) => b - a)).toEqual(seen)
    expect(new Set(seen).size).toBe(total)
    expect((await s.client.audit.count({})).count).toBe(total)
  })

  it('filters by user, action (exact and prefix), target, time range and free text', async () => {
    const changes = await s.client.audit.list({ filter: { actions: ['settings.change'], users: ['alice'] } })
    expect(changes.rows).toHaveLength(5)
    expect(changes.rows.every((r) => r.action === 'settings.change' && r.username === 'alice')).toBe(true)
    const prefix = await s.client.audit.list({ filter: { actions: ['user.'] } })
    expect(prefix.rows.length).toBeGreaterThan(0)
    expect(prefix.rows.every((r) => r.action.startsWith('user.'))).toBe(true)
    const target = await s.client.audit.list({ filter: { targetType: 'setting', targetKey: 'auth.maxFailedLogins' } })
    expect(target.rows).toHaveLength(5)
    const text = await s.client.audit.list({ filter: { text: 'LOCKOUT change' } })
    expect(text.rows.map((r) => r.action)).toEqual(['signature'])
    const first = changes.rows[changes.rows.length - 1]
    const range = await s.client.audit.list({ filter: { actions: ['settings.change'], from: first.ts, to: new Date(Date.parse(first.ts) + 1).toISOString() } })
    expect(range.rows.map((r) => r.seq)).toEqual([first.seq])
    const facets = await s.client.audit.facets()
    expect(facets.actions).toEqual(expect.arrayContaining(['settings.change', 'signature']))
    expect(facets.users).toContain('alice')
  })

  it('injection attempts in every filter change nothing and match nothing', async () => {
    const before = await rowCount()
    const attacks = ["' OR '1'='1", "x'; DELETE FROM console.audit_log; --", '%', "%' OR 1=1 --", "alice' --", '"); DROP TABLE console.users; --', '\\%']
    for (const a of attacks) {
      for (const filter of [{ users: [a] }, { actions: [a] }, { targetType: a }, { targetKey: a }, { text: a }, { segment: a }, { actions: [a + '.'] }]) {
        const r = await s.client.audit.list({ filter })
        expect(r.rows, JSON.stringify(filter)).toEqual([])
      }
    }
    // LIKE wildcards are plain characters: "_" finds only entries that contain an underscore.
    const underscore = await s.client.audit.list({ filter: { text: '_' }, limit: 500 })
    expect(underscore.rows.length).toBeLessThan(before)
    expect(await rowCount()).toBe(before)
    expect((await s.services.db.app().query('SELECT count(*) AS n FROM console.users')).rows[0].n).toBe('1')
  })

  it('shows an entry with its signature, who, what, and both hashes', async () => {
    const e = await s.client.audit.entry({ seq: signedSeq })
    expect(e.printedName).toBe('Alice Admin')
    expect(e.before).toEqual({ value: 9 })
    expect(e.after).toEqual({ value: 10 })
    expect(e.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(e.prevHash).toMatch(/^[0-9a-f]{64}$/)
    expect(e.signedBy).toHaveLength(1)
    expect(e.signedBy[0]).toMatchObject({ printedName: 'Alice Admin', meaning: 'approval', hashMatches: true, comment: 'reviewed the lockout change' })
    const sig = await s.client.audit.entry({ seq: e.signedBy[0].seq })
    expect(sig.signs?.seq).toBe(signedSeq)
  })

  it('chain status: full first, then incremental from the last verified entry', async () => {
    const full = await s.client.audit.chain({ full: true })
    expect(full).toMatchObject({ ok: true, mode: 'full' })
    expect(full.checked).toBe((await s.services.audit.verify()).checked)
    await s.client.settings.set({ key: 'auth.maxFailedLogins', value: 5 })
    const inc = await s.client.audit.chain({})
    expect(inc).toMatchObject({ ok: true, mode: 'incremental' })
    expect(inc.head!.seq).toBeGreaterThan(full.head!.seq)
    expect(inc.checked).toBe(full.checked + 1)
  })
})

describe('exports', () => {
  it('a JSON export verifies offline, against the chain head, and fails after a one-byte change', async () => {
    const file = join(s.home, 'trail.json')
    const r = await s.client.audit.exportFile({ format: 'json', filter: {}, out: file })
    expect(r.entries).toBeGreaterThan(10)
    const head = await s.client.audit.head()
    const headFile = join(s.home, 'head.txt')
    writeFileSync(headFile, `${head!.segment} ${head!.seq} ${head!.ts} ${head!.hash}\n`)
    // The export itself is the newest entry, after the head the export was made against.
    expect(head!.seq).toBe(r.auditSeq)
    const previousHead = (await s.client.audit.entry({ seq: r.auditSeq - 1 })).hash
    const ok = await verifyExport(file, { hash: previousHead, seq: null, source: 'test' })
    expect(ok.problems).toEqual([])
    expect(ok).toMatchObject({ ok: true, contiguous: true, head: { found: true } })
    // The head the export names in its own header also works as a filed head (a previous export).
    expect((await verifyExport(file, readFiledHead({ headFile: file }))).ok).toBe(true)
    // The newest head (the export's own entry) is not in it: said plainly.
    const missing = await verifyExport(file, readFiledHead({ headFile }))
    expect(missing.ok).toBe(false)
    expect(missing.problems[0].reason).toMatch(/does not contain entry/)

    const text = readFileSync(file, 'utf8')
    const at = text.indexOf('"printedName":"Alice Admin"', text.indexOf('\n')) + 16 // the "l" of Alice in a signature entry
    const changed = join(s.home, 'changed.json')
    writeFileSync(changed, text.slice(0, at) + 'L' + text.slice(at + 1))
    const bad = await verifyExport(changed)
    expect(bad.ok).toBe(false)
    expect(bad.problems[0].where).toMatch(/^entry \d+$/)
    expect(bad.problems[0].reason).toMatch(/after differs from what its hash covers/)
    // A change to a hash is caught too (its own check and the next entry's link).
    const h = text.indexOf('"hash":"', text.indexOf('\n')) + 8
    writeFileSync(changed, text.slice(0, h) + (text[h] === 'a' ? 'b' : 'a') + text.slice(h + 1))
    expect((await verifyExport(changed)).ok).toBe(false)

    // The command line: exit 0 for the intact export against the filed head, 1 for the altered one, 2 for a malformed head.
    expect(await runCli(['--json', 'audit', 'verify', '--export', file, '--head', previousHead])).toBe(0)
    expect(await runCli(['--json', 'audit', 'verify', '--export', changed])).toBe(1)
    expect(await runCli(['audit', 'verify', '--export', file, '--head', 'not-a-hash'])).toBe(2)
  })

  it('CSV and PDF exports are written with every entry, and each export is recorded in the trail', async () => {
    const csv = await s.client.audit.export({ format: 'csv', filter: { actions: ['settings.change'] } })
    const lines = Buffer.from(csv.base64, 'base64').toString('utf8').trim().split('\n')
    expect(lines.filter((l) => l.startsWith('"')).length).toBe(6)
    expect(lines.find((l) => l.startsWith('seq,'))).toBe('seq,ts,user_id,username,action,target_type,target_key,before,after,reason,client,segment,prev_hash,hash')
    const pdf = await s.client.audit.export({ format: 'pdf', filter: { actions: ['settings.change', 'signature'] } })
    expect(Buffer.from(pdf.base64, 'base64').subarray(0, 5).toString()).toBe('%PDF-')
    const recorded = await s.client.audit.list({ filter: { actions: ['audit.export'] } })
    expect(recorded.rows.map((x) => x.seq)).toEqual(expect.arrayContaining([csv.auditSeq, pdf.auditSeq]))
    const e = await s.client.audit.entry({ seq: pdf.auditSeq })
    expect(e.after).toMatchObject({ format: 'pdf', entries: pdf.entries, sha256: pdf.sha256 })
  })
})

describe('tampering is detected and named', () => {
  const verifyBoth = async () => ({ node: await s.services.audit.verify(), db: await s.client.audit.chain({ full: true }) })

  it('an altered entry', async () => {
    const target = signedSeq
    const orig = (await s.services.db.app().query('SELECT reason FROM console.audit_log WHERE seq = $1', [target])).rows[0].reason
    await tamper('UPDATE console.audit_log SET reason = $2 WHERE seq = $1', [target, 'quietly changed'])
    const r = await verifyBoth()
    for (const v of [r.node, r.db]) {
      expect(v.ok).toBe(false)
      expect(v.broken!.seq).toBe(target)
      expect(v.broken!.reason).toMatch(/content does not match its hash/)
    }
    await tamper('UPDATE console.audit_log SET reason = $2 WHERE seq = $1', [target, orig])
    expect((await verifyBoth()).db.ok).toBe(true)
  })

  it('a deleted entry', async () => {
    const target = signedSeq
    const next = (await s.services.db.app().query("SELECT min(seq) AS n FROM console.audit_log WHERE seq > $1 AND segment = 'main'", [target])).rows[0].n
    await tamper('CREATE TABLE public.audit_saved AS SELECT * FROM console.audit_log WHERE seq = $1', [target])
    await tamper('DELETE FROM console.audit_log WHERE seq = $1', [target])
    const r = await verifyBoth()
    for (const v of [r.node, r.db]) {
      expect(v.ok).toBe(false)
      expect(v.broken!.seq).toBe(Number(next))
      expect(v.broken!.reason).toMatch(/removed/)
    }
    expect(r.db.broken!.reason).toContain(`no entry with sequence number ${target} remains`)
    await tamper('INSERT INTO console.audit_log SELECT * FROM public.audit_saved; DROP TABLE public.audit_saved')
    expect((await verifyBoth()).db.ok).toBe(true)
  })

  it('two entries swapped', async () => {
    const a = signedSeq - 1
    const b = signedSeq
    await tamper('UPDATE console.audit_log SET seq = -1 WHERE seq = $1', [a])
    await tamper('UPDATE console.audit_log SET seq = $1 WHERE seq = $2', [a, b])
    await tamper('UPDATE console.audit_log SET seq = $1 WHERE seq = -1', [b])
    const r = await verifyBoth()
    for (const v of [r.node, r.db]) {
      expect(v.ok).toBe(false)
      expect(v.broken!.seq).toBe(a)
    }
    await tamper('UPDATE console.audit_log SET seq = -1 WHERE seq = $1', [a])
    await tamper('UPDATE console.audit_log SET seq = $1 WHERE seq = $2', [a, b])
    await tamper('UPDATE console.audit_log SET seq = $1 WHERE seq = -1', [b])
    expect((await verifyBoth()).db.ok).toBe(true)
  })

  it('a chain rewritten after the last verification shows as broken at the verified entry (incremental)', async () => {
    const ok = await s.client.audit.chain({})
    expect(ok.ok).toBe(true)
    const h = ok.head!
    await tamper("UPDATE console.audit_log SET hash = repeat('f', 64) WHERE seq = $1", [h.seq])
    const r = await s.client.audit.chain({})
    expect(r).toMatchObject({ ok: false, mode: 'incremental', broken: { seq: h.seq } })
    expect(r.broken!.reason).toMatch(/no longer has the hash it had/)
    await tamper('UPDATE console.audit_log SET hash = $2 WHERE seq = $1', [h.seq, h.hash])
    expect((await s.client.audit.chain({})).ok).toBe(true)
  })
})
