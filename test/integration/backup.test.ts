import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Manifest } from '../../src/shared/schemas/backup'
import { openArtifact } from '../../src/main/backup/artifact'
import { runCli } from '../../src/main/cli/main'
import { execText } from '../../src/main/backup/exec-stream'
import { segmentOf } from '../../src/main/backup/facts'
import { generateRecipient } from '../../src/main/backup/pgp'
import { PRIVATE_KEY_SECRET } from '../../src/main/backup/store'
import type { JobContext } from '../../src/main/jobs/job-manager'
import { createDockerClient } from '../../src/main/stack/docker-client'
import { testStack } from '../support/test-stack'

/** Ports from this capability's block (60300–60399): the test stack at 60300+offset, scratch restores at 60390. */
const s = testStack(60300)
const PASSWORD = 'correct horse battery staple'
const SCRATCH_PORT = 60390
const actor = { userId: null, username: 'backup-test', client: 'system' as const }
const ctx = (): JobContext => ({ jobId: 'test', signal: new AbortController().signal, report: () => {} })
const backups = () => s.services.backup
const admin = <T>(fn: (c: pg.Client) => Promise<T>) => s.services.db.admin('blue', fn)
const scratch = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
  const c = new pg.Client({ host: '127.0.0.1', port: SCRATCH_PORT, user: 'fda_admin', password: s.services.stack.target('blue').password, database: 'mirror' })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}
const dest = () => join(s.home, 'backups')

let base: Manifest
let dump: Manifest

beforeAll(async () => {
  const job = await s.client.stack.up({ green: false })
  const done = await s.services.jobs.wait(job.id)
  if (done.state !== 'succeeded') throw new Error(`stack up failed: ${done.error}`)
  const load = await s.services.jobs.wait((await s.client.data.loadSamples()).id)
  if (load.state !== 'succeeded') throw new Error(`samples: ${load.error}`)
  backups().store.saveConfig({ ...backups().config(), scratchPort: SCRATCH_PORT })
  // The client signs in as the first administrator (restores are signed).
  await s.client.auth.setupFirstAdmin({ username: 'alice', printedName: 'Alice Admin', password: PASSWORD })
  await admin((c) => c.query('CREATE TABLE public.pitr_probe (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())'))
}, 300_000)

afterAll(async () => {
  await backups().removeScratch().catch(() => {})
  await s.teardown()
}, 120_000)

describe('base backup and dump', () => {
  it('a base backup streams to the destination encrypted, with a complete manifest, and verifies', async () => {
    base = await backups().base(actor, ctx())
    expect(base).toMatchObject({ type: 'base', color: 'blue', postgresVersion: expect.stringMatching(/^15\./), schemaVersion: expect.stringMatching(/^\d{4}$/) })
    expect(base.startLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/)
    expect(base.stopLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/)
    expect(base.auditHead?.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(base.endpoints['510k'].rows).toBeGreaterThan(0)
    const a = base.artifacts[0]
    expect(a.sha256Stored).toMatch(/^[0-9a-f]{64}$/)
    expect(readFileSync(join(dest(), a.key)).subarray(0, 4).toString('latin1')).not.toContain('PGDMP')
    const report = await backups().verify(base.id, actor, ctx())
    expect(report.checks.map((c) => [c.name, c.ok, c.detail])).toEqual(expect.arrayContaining([[expect.stringMatching(/^contents /), true, expect.stringMatching(/backup_label START WAL LOCATION .* matches/)]]))
    expect(report.ok).toBe(true)
    const audit = await s.services.db.app().query<{ action: string; after: { sha256: string[]; auditHead: string } }>(
      "SELECT action, after FROM console.audit_log WHERE target_key = $1 ORDER BY seq", [base.id])
    expect(audit.rows.map((r) => r.action)).toEqual(['backup.base', 'backup.verify'])
    expect(audit.rows[0].after.sha256[0]).toContain(a.sha256Stored)
    expect(audit.rows[0].after.auditHead).toBe(base.auditHead!.hash)
  }, 180_000)

  it('a dump is taken in one snapshot and pg_restore --list reads it', async () => {
    dump = await backups().dump(actor, ctx())
    expect(dump.type).toBe('dump')
    const rows = await admin((c) => c.query('SELECT count(*)::int AS n FROM openfda.device_event'))
    expect(dump.endpoints.event.rows).toBe(rows.rows[0].n)
    const report = await backups().verify(dump.id, actor, ctx())
    expect(report.ok).toBe(true)
    expect(report.checks.find((c) => c.name.startsWith('contents'))!.detail).toMatch(/tables with data/)
  }, 180_000)

  it('standard gpg decrypts an artifact with the private key; another key cannot read it', async () => {
    const gnupg = mkdtempSync(join(tmpdir(), 'fda-gpg-'))
    try {
      writeFileSync(join(gnupg, 'key.asc'), s.services.secrets.get(PRIVATE_KEY_SECRET)!)
      execFileSync('gpg', ['--batch', '--quiet', '--import', join(gnupg, 'key.asc')], { env: { ...process.env, GNUPGHOME: gnupg }, stdio: 'pipe' })
      const listing = execFileSync('bash', ['-c', `set -o pipefail; gpg --batch --quiet --decrypt "$0" 2>/dev/null | zstd -dc | tar -tf -`, join(dest(), base.artifacts[0].key)], { env: { ...process.env, GNUPGHOME: gnupg } }).toString()
      expect(listing.split('\n')).toEqual(expect.arrayContaining(['backup_label', 'PG_VERSION', 'global/pg_control']))
    } finally {
      rmSync(gnupg, { recursive: true, force: true })
    }
    const stranger = await generateRecipient('Someone Else', 'else@example.invalid')
    await expect(openArtifact(backups().store.destination(), dump.artifacts[0], { armored: stranger.privateKey })).rejects.toThrow(/cannot be decrypted/)
  }, 60_000)
})

describe('point in time', () => {
  it('restores exactly the rows that existed at T into a scratch container', async () => {
    await admin((c) => c.query('INSERT INTO public.pitr_probe SELECT FROM generate_series(1, 5)'))
    await new Promise((r) => setTimeout(r, 1500))
    const T = new Date().toISOString()
    await new Promise((r) => setTimeout(r, 1500))
    await admin((c) => c.query('INSERT INTO public.pitr_probe SELECT FROM generate_series(1, 7)'))
    const atT = await admin((c) => c.query<{ n: number }>('SELECT count(*)::int AS n FROM public.pitr_probe WHERE at <= $1', [T]))
    expect(atT.rows[0].n).toBe(5)
    const { shipWal } = await import('../../src/main/backup/ship-wal')
    const shipped = await shipWal((backups() as unknown as { deps: never }).deps, actor, ctx(), 'blue', { switchFirst: true })
    expect(shipped?.walSegments.length).toBeGreaterThan(0)
    const drill = await backups().drill({ time: T, keep: true, kind: 'restore' }, actor, ctx())
    expect(drill.backupId).toBe(base.id)
    const rows = await scratch((c) => c.query<{ n: number }>('SELECT count(*)::int AS n FROM public.pitr_probe'))
    expect(rows.rows[0].n).toBe(5)
    expect(drill.checks.find((c) => c.name === 'audit chain')!.ok).toBe(true)
    await backups().removeScratch()
    const verified = await backups().verify(base.id, actor, ctx())
    expect(verified.checks.find((c) => c.name === 'WAL continuity')).toMatchObject({ ok: true })
  }, 240_000)

  it('a drill of the base backup at its consistent point matches the manifest and removes its container', async () => {
    const drill = await backups().drill({ id: base.id }, actor, ctx())
    expect(drill.checks.filter((c) => !c.ok)).toEqual([])
    expect(drill.rtoSeconds).toBeGreaterThan(0)
    const names = (await createDockerClient().listContainers({ all: true })).flatMap((c) => c.Names)
    expect(names).not.toContain(`/${s.stackName}-scratch`)
    expect(backups().store.drills().at(-1)!.id).toBe(drill.id)
  }, 240_000)

  it('a drill of the dump restores it and its counts match', async () => {
    const drill = await backups().drill({ id: dump.id }, actor, ctx())
    expect(drill.checks.filter((c) => !c.ok)).toEqual([])
  }, 240_000)
})

describe('command line', () => {
  it('backup list --json shows every backup with its verification, and verify exits 0 naming the checks', async () => {
    const { token } = await s.client.auth.issueToken({ password: PASSWORD })
    let out = ''
    let err = ''
    const [o, e] = [process.stdout.write, process.stderr.write]
    process.stdout.write = ((c: string) => ((out += c), true)) as typeof process.stdout.write
    process.stderr.write = ((c: string) => ((err += c), true)) as typeof process.stderr.write
    let codes: number[]
    try {
      codes = [
        await runCli(['--home', s.home, '--token', token, '--json', 'backup', 'list']),
        await runCli(['--home', s.home, '--token', token, 'backup', 'prune', '--dry-run']),
        await runCli(['--home', s.home, '--token', token, 'backup', 'schedule', 'set', 'base', 'every day'])
      ]
    } finally {
      process.stdout.write = o
      process.stderr.write = e
    }
    expect(codes).toEqual([0, 0, 1])
    const list = JSON.parse(out.slice(0, out.indexOf('\n}\n') + 2))
    expect(list.backups.map((b: { manifest: { id: string } }) => b.manifest.id)).toEqual(expect.arrayContaining([base.id, dump.id]))
    expect(list.backups.find((b: { manifest: { id: string } }) => b.manifest.id === base.id).verified.ok).toBe(true)
    expect(out).toContain(`keep  ${base.id}`)
    expect(err).toContain('"every day" is not a cron expression')
  }, 60_000)
})

describe('retention', () => {
  it('prune keeps every backup that retention keeps and trims shipped WAL older than the oldest base backup from the archive volume', async () => {
    const blue = createDockerClient().getContainer(`${s.stackName}-blue`)
    const list = async () => (await execText(blue, ['ls', '-1', '/var/lib/fda/wal-archive/blue'])).stdout.split('\n').filter((f) => /^[0-9A-F]{24}$/.test(f))
    const before = await list()
    const first = segmentOf(base.startLsn!, base.timeline!)
    expect(before.some((f) => f < first)).toBe(true)
    const decisions = await backups().prune(actor, false)
    expect(decisions.filter((d) => !d.keep)).toEqual([])
    const after = await list()
    expect(after.filter((f) => f < first)).toEqual([])
    expect(after).toContain(first)
    const audit = await s.services.db.app().query("SELECT after FROM console.audit_log WHERE action = 'backup.prune' ORDER BY seq DESC LIMIT 1")
    expect(audit.rows[0].after.archiveSegmentsRemoved).toBe(before.length - after.length)
  }, 60_000)
})

describe('corruption', () => {
  it('one flipped byte fails verify, naming the artifact', async () => {
    const file = join(dest(), dump.artifacts[0].key)
    const buf = readFileSync(file)
    buf[Math.floor(buf.length / 2)] ^= 0x01
    writeFileSync(file, buf)
    const report = await backups().verify(dump.id, actor, ctx())
    expect(report.ok).toBe(false)
    expect(report.checks.find((c) => !c.ok)!.detail).toContain(`artifact ${dump.artifacts[0].key} is corrupt`)
  }, 60_000)
})

describe('restore into GREEN', () => {
  it('a signed restore to T brings GREEN up with exactly the rows at T, beside the live BLUE', async () => {
    await admin((c) => c.query('INSERT INTO public.pitr_probe SELECT FROM generate_series(1, 2)'))
    await new Promise((r) => setTimeout(r, 1500))
    const T = new Date().toISOString()
    await new Promise((r) => setTimeout(r, 1500))
    await admin((c) => c.query('INSERT INTO public.pitr_probe SELECT FROM generate_series(1, 4)'))
    const atT = (await admin((c) => c.query<{ n: number }>('SELECT count(*)::int AS n FROM public.pitr_probe WHERE at <= $1', [T]))).rows[0].n
    const { shipWal } = await import('../../src/main/backup/ship-wal')
    await shipWal((backups() as unknown as { deps: never }).deps, actor, ctx(), 'blue', { switchFirst: true })
    await expect(s.client.backup.restore({ time: T, into: 'green', username: 'alice', password: 'wrong password!' })).rejects.toThrow()
    const job = await s.client.backup.restore({ time: T, into: 'green', username: 'alice', password: PASSWORD, comment: 'integration test' })
    const done = await s.services.jobs.wait(job.id)
    expect(done.error).toBeNull()
    expect(done.last?.message).toMatch(/into GREEN/)
    const green = new pg.Client({ ...s.services.stack.target('green'), host: '127.0.0.1' })
    await green.connect()
    try {
      expect((await green.query('SELECT count(*)::int AS n FROM public.pitr_probe')).rows[0].n).toBe(atT)
      expect((await green.query('SELECT pg_is_in_recovery() AS r')).rows[0].r).toBe(false)
    } finally {
      await green.end()
    }
    expect((await s.services.stack.status()).liveColor).toBe('blue')
    const sig = await s.services.db.app().query("SELECT after FROM console.audit_log WHERE action = 'signature' AND seq = $1", [job.signatureSeq])
    expect(sig.rows[0].after).toMatchObject({ meaning: 'responsibility', printedName: 'Alice Admin' })
  }, 240_000)
})

describe('recovery point after losing the primary', () => {
  it('after the primary is killed, what is restored is at most 60 s behind', async () => {
    const writer = await new pg.Client({ ...s.services.stack.target('blue'), host: '127.0.0.1' })
    await writer.connect()
    writer.on('error', () => {})
    const until = Date.now() + 65_000
    while (Date.now() < until) {
      await writer.query('INSERT INTO public.pitr_probe DEFAULT VALUES')
      await new Promise((r) => setTimeout(r, 250))
    }
    const killedAt = new Date().toISOString()
    await createDockerClient().getContainer(`${s.stackName}-blue`).kill()
    await writer.end().catch(() => {})
    const restored = await backups().restoreLatest(actor, ctx(), killedAt)
    const last = await scratch((c) => c.query<{ t: Date }>('SELECT max(at) AS t FROM public.pitr_probe'))
    const rpo = (Date.parse(killedAt) - last.rows[0].t.getTime()) / 1000
    console.log(`RPO after killing the primary: ${rpo.toFixed(1)} s (recorded ${restored.rpoSeconds} s); restore took ${restored.rtoSeconds.toFixed(1)} s`)
    expect(rpo).toBeLessThanOrEqual(60)
    expect(restored.rpoSeconds).not.toBeNull()
  }, 240_000)
})
