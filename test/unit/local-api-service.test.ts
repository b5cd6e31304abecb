import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { createServices } from '../../src/main/app/services'
import { runCli } from '../../src/main/cli/main'
import { localApiKey, startMirrorApi } from '../../src/main/openfda/local-api/service'
import { tempHome } from '../support/temp-home'

// Nothing listens on 60199 (the local API's test block): the mirror is "down".
const t = tempHome({ stackName: 'fdaunit', ports: { blue: 60197, green: 60198, pgbouncer: 60199, api: 60196 } })
afterAll(() => t.cleanup())

describe('the local API service', () => {
  it('answers 503 with the reason while the database is down, and listens on ports.api (loopback)', async () => {
    const s = createServices({ host: 'cli', home: t.home })
    const api = await startMirrorApi(s)
    try {
      expect(api.url).toBe('http://127.0.0.1:60196')
      const r = await fetch(`${api.url}/device/510k.json?search=k_number:K1`)
      expect(r.status).toBe(503)
      const body = (await r.json()) as { error: { code: string; message: string } }
      expect(body.error.code).toBe('SERVICE_UNAVAILABLE')
      expect(body.error.message).toMatch(/not reachable.*stack up/)
      // Syntax errors are answered without the database.
      expect((await fetch(`${api.url}/device/510k.json?search=(`)).status).toBe(400)
    } finally {
      await api.close()
      await s.close()
    }
  })

  it('with a key required: refuses requests without it, accepts api_key=, X-Api-Key and Bearer; rotation revokes', async () => {
    const s = createServices({ host: 'cli', home: t.home })
    const key = localApiKey(s)
    const api = await startMirrorApi(s, { port: 0, requireKey: true })
    try {
      const u = `${api.url}/device/510k.json?search=(`
      expect((await fetch(u)).status).toBe(403)
      expect(((await (await fetch(u)).json()) as { error: { code: string } }).error.code).toBe('API_KEY_INVALID')
      expect((await fetch(`${u}&api_key=wrong`)).status).toBe(403)
      expect((await fetch(`${u}&api_key=${key}`)).status).toBe(400)
      expect((await fetch(u, { headers: { 'X-Api-Key': key } })).status).toBe(400)
      expect((await fetch(u, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(400)
    } finally {
      await api.close()
    }
    let out = ''
    vi.spyOn(process.stdout, 'write').mockImplementation((x) => ((out += String(x)), true))
    const code = await runCli(['--home', t.home, 'api', 'key', '--rotate'])
    vi.restoreAllMocks()
    expect(code).toBe(0)
    expect(out.trim()).not.toBe(key)
    expect(out.trim()).toBe(localApiKey(s))
    await s.close()
  })

  it('`fda-offline api` prints where it listens, serves, and stops cleanly on SIGTERM (built CLI)', async () => {
    const child = spawn(process.execPath, ['bin/fda-offline.mjs', '--home', t.home, '--json', 'api', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve)
      child.once('exit', (code) => reject(new Error(`exited with ${code}: ${err}`)))
    })
    const info = JSON.parse(line) as { url: string; requireKey: boolean }
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(info.requireKey).toBe(false)
    expect((await fetch(`${info.url}/device/event.json?search=mdr_report_key:1`)).status).toBe(503)
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(err).toMatch(/GET \/device\/event\.json 503/) // one line per request, without the query string
    expect(err).not.toContain('mdr_report_key')
  })
})
