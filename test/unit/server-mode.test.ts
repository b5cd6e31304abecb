import { connect } from 'node:net'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { procedurePaths } from '../support/procedures'
import { serverModeFixture } from '../support/server-fixture'

const fx = serverModeFixture()
const t = { home: fx.home }

const rpc = (path: string[], headers: Record<string, string> = {}) =>
  fetch(`${fx.server().url}/rpc/${path.join('/')}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' })

describe('server mode', () => {
  it('listens on 127.0.0.1 only', async () => {
    const addr = fx.server().server.address()
    expect(addr).toMatchObject({ address: '127.0.0.1' })
    const port = (addr as { port: number }).port
    // Another loopback address of this machine must not reach it.
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.2', port })
      s.once('connect', () => (s.destroy(), resolve(false)))
      s.once('error', () => resolve(true))
    })
    expect(refused).toBe(true)
  })

  it('answers 401 on every API route without the token, and with a wrong one', async () => {
    const paths = procedurePaths()
    expect(paths.length).toBeGreaterThanOrEqual(8)
    for (const p of paths) {
      expect((await rpc(p)).status, p.join('.')).toBe(401)
      expect((await rpc(p, { authorization: 'Bearer wrong' })).status, p.join('.')).toBe(401)
      expect((await rpc(p, { cookie: 'fda_token=wrong' })).status, p.join('.')).toBe(401)
    }
    expect((await rpc(['no', 'such', 'route'])).status).toBe(401)
  })

  it('accepts the token as a bearer header', async () => {
    const r = await rpc(['app', 'info'], { authorization: `Bearer ${fx.server().token}` })
    expect(r.status).toBe(200)
    expect(JSON.stringify(await r.json())).toContain('FDA Offline Console')
  })

  it('the login URL sets an HttpOnly cookie that then authorises API calls', async () => {
    const login = await fetch(fx.server().loginUrl, { redirect: 'manual' })
    expect(login.status).toBe(303)
    const cookie = login.headers.get('set-cookie')!
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    const r = await rpc(['app', 'info'], { cookie: cookie.split(';')[0], 'x-fda-request': '1' })
    expect(r.status).toBe(200)
    // CSRF: a cookie alone (what a cross-site form or image would carry) is not enough.
    expect((await rpc(['app', 'info'], { cookie: cookie.split(';')[0] })).status).toBe(403)
    expect((await rpc(['app', 'info'], { cookie: cookie.split(';')[0], 'x-fda-request': '1', origin: 'http://evil.example' })).status).toBe(403)
    expect((await fetch(`${fx.server().url}/login?token=nope`, { redirect: 'manual' })).status).toBe(401)
  })

  it('refuses requests that name another host (DNS rebinding)', async () => {
    const port = new URL(fx.server().url).port
    const res = await new Promise<string>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: Number(port) }, () => s.write(`GET / HTTP/1.1\r\nHost: evil.example:${port}\r\nConnection: close\r\n\r\n`))
      let data = ''
      s.on('data', (d) => (data += d.toString()))
      s.on('end', () => resolve(data))
    })
    expect(res.split('\r\n')[0]).toContain('421')
  })

  it('serves the renderer with a strict CSP and no path escape', async () => {
    const page = await fetch(`${fx.server().url}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(await page.text()).toContain('<title>console</title>')
    writeFileSync(join(t.home, 'outside.txt'), 'TOP-SECRET')
    const escape = await fetch(`${fx.server().url}/..%2foutside.txt`)
    expect(await escape.text()).not.toContain('TOP-SECRET')
  })
})
