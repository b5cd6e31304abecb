import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from '../fixtures'
import { ADMIN } from '../pages/console-page'
import { CLI } from '../paths'

// Runs last (workers: 1, files in name order): after the whole e2e suite, no secret it used may be
// found in the state folder (job history, settings, exports, reports) or in the containers' logs.
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    if (statSync(p).isDirectory()) return files(p)
    return /^secrets(\.os)?\.json$/.test(f) ? [] : [p] // the secret stores hold them by design
  })
}

test('after the e2e suite, no password, key or token it used is in logs, job history or exports @server-only', async ({ browserName: _browserName }, info) => {
  test.skip(info.project.name !== 'chromium-server', 'one scan per run')
  const home = process.env.FDA_E2E_HOME!
  const stored = JSON.parse(readFileSync(join(home, 'secrets.json'), 'utf8')) as Record<string, string>
  const secrets: Record<string, string> = {
    'e2e admin password': ADMIN.password, 'temporary password': 'temporary pass 123', "olivia's password": 'olivias own passphrase',
    'launch token': new URL(process.env.FDA_E2E_LOGIN_URL!).searchParams.get('token')!,
    ...Object.fromEntries(Object.entries(stored).filter(([, v]) => v.length >= 12 && !v.startsWith('-----BEGIN CERTIFICATE')))
  }
  const places: Record<string, string> = {}
  for (const f of files(home)) places[f] = readFileSync(f).toString('latin1')
  for (const role of ['blue', 'pgbouncer'])
    places[`docker logs ${role}`] = execFileSync(process.execPath, [CLI, '--home', home, '--user', ADMIN.username, '--password-stdin', 'stack', 'logs', role, '--tail', '5000'], { input: ADMIN.password }).toString()
  expect(Object.keys(places).length).toBeGreaterThan(3)
  const found = Object.entries(secrets).flatMap(([what, v]) => Object.entries(places).filter(([, text]) => text.includes(v)).map(([where]) => `${what} in ${where}`))
  expect(found).toEqual([])
})
