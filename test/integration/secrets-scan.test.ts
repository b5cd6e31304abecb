import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APP_PASSWORD_SECRET, CHECKSUM_KEY_SECRET, READER_PASSWORD_SECRET } from '../../src/main/db/database'
import { createDockerClient } from '../../src/main/stack/docker-client'
import { containerName } from '../../src/main/stack/spec'
import { PG_PASSWORD_SECRET } from '../../src/main/stack/stack-service'
import { TLS_SECRETS } from '../../src/main/stack/tls'
import { testStack } from '../support/test-stack'

// Port block of issue 8 (60400–60499).
const s = testStack(60400)
const ADMIN_PASSWORD = 'Admin-Passphrase-3f9c1d7e'
const WRONG_PASSWORD = 'Wrong-Guess-88d2a0c4b1'
const ENTERED = { 'openfda.apiKey': 'OPENFDA-KEY-6b1e2f9a7c', 's3.secretAccessKey': 'S3-SECRET-0d4c8e2a91', 'openpgp.passphrase': 'PGP-PASS-77a1c3e5f0' }

/** Every regular file under a folder, except the secret stores themselves (which hold them by design). */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    if (statSync(p).isDirectory()) return files(p)
    return /^secrets(\.os)?\.json$/.test(f) ? [] : [p]
  })
}

beforeAll(async () => {
  const up = await s.client.stack.up({ green: false, samples: true })
  const done = await s.services.jobs.wait(up.id)
  if (done.state !== 'succeeded') throw new Error(`stack up failed: ${done.error}`)
  await s.client.auth.setupFirstAdmin({ username: 'alice', printedName: 'Alice Admin', password: ADMIN_PASSWORD })
}, 600_000)
afterAll(() => s.teardown())

describe('no secret in logs, job history, exports or the trail', () => {
  it('after sign-ins, a failed sign-in, secrets set, a load, a signature and exports', async () => {
    // A representative run of operations that handle secrets.
    await expect(s.services.users.login('alice', WRONG_PASSWORD, 'cli')).rejects.toThrow()
    for (const [name, value] of Object.entries(ENTERED)) await s.client.security.secrets.set({ name, value })
    expect((await s.client.security.secrets.list()).filter((x) => x.name in ENTERED).every((x) => x.set)).toBe(true)
    const load = await s.client.data.loadSamples()
    expect((await s.services.jobs.wait(load.id)).state).toBe('succeeded')
    const head = await s.client.audit.head()
    await s.client.audit.sign({ seq: head!.seq, meaning: 'review', username: 'alice', password: ADMIN_PASSWORD })
    await s.client.settings.set({ key: 'auth.sessionIdleMinutes', value: 45 })
    for (const format of ['json', 'csv', 'pdf'] as const) await s.client.audit.exportFile({ format, filter: {}, out: join(s.home, `export.${format}`) })
    const token = await s.client.auth.issueToken({ password: ADMIN_PASSWORD })

    const secrets: Record<string, string> = {
      'admin password': ADMIN_PASSWORD, 'a wrong password': WRONG_PASSWORD, 'the CLI token': token.token, ...ENTERED,
      'PostgreSQL admin password': s.services.secrets.get(PG_PASSWORD_SECRET)!, 'fda_app password': s.services.secrets.get(APP_PASSWORD_SECRET)!,
      'fda_reader password': s.services.secrets.get(READER_PASSWORD_SECRET)!, 'checksum/pgcrypto key': s.services.secrets.get(CHECKSUM_KEY_SECRET)!,
      // The body of each TLS private key (a PEM's second line is base64 of the key itself).
      'TLS CA private key': s.services.secrets.get(TLS_SECRETS.caKey)!.split('\n')[1], 'TLS server private key': s.services.secrets.get(TLS_SECRETS.serverKey)!.split('\n')[1]
    }
    const haystacks: Record<string, string> = {}
    for (const f of files(s.home)) haystacks[f] = readFileSync(f).toString('latin1')
    for (const role of ['blue', 'pgbouncer'] as const) haystacks[`docker logs ${role}`] = (await s.client.stack.logs({ role, tail: 5000 })).lines.join('\n')
    const q = (sql: string) => s.services.db.admin('blue', (c) => c.query(sql)).then((r) => JSON.stringify(r.rows))
    haystacks['console.audit_log'] = await q('SELECT * FROM console.audit_log')
    haystacks['console.job/import tables'] = await q('SELECT * FROM console.import_runs')
    haystacks['pg_stat_statements'] = await q('SELECT query FROM pg_stat_statements')
    for (const role of ['blue', 'pgbouncer'] as const) {
      const info = await createDockerClient().getContainer(containerName(s.stackName, role)).inspect()
      haystacks[`docker inspect ${role} (environment, command)`] = JSON.stringify({ env: info.Config.Env, cmd: info.Config.Cmd, args: info.Args })
    }
    expect(Object.keys(haystacks).length).toBeGreaterThan(8)
    const found: string[] = []
    for (const [what, value] of Object.entries(secrets)) {
      expect(value.length, what).toBeGreaterThan(8)
      for (const [where, text] of Object.entries(haystacks)) if (text.includes(value)) found.push(`${what} in ${where}`)
    }
    expect(found).toEqual([])
  })
})
