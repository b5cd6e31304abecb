import { request } from 'node:http'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createServices } from '../../src/main/app/services'
import { MAX_BODY_BYTES, startServerMode } from '../../src/main/server/http-server'
import { serverModeFixture } from '../support/server-fixture'

const fx = serverModeFixture()
const t = { home: fx.home }
const renderer = join(fx.home, 'renderer')

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${fx.server().url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${fx.server().token}`, ...headers }, body })

describe('server mode hardening', () => {
  it('never listens beyond this machine without TLS', async () => {
    await expect(startServerMode(createServices({ host: 'server', home: t.home }), { port: 0, rendererDir: renderer, host: '0.0.0.0' })).rejects.toThrow(/needs TLS/)
  })

  it('refuses oversized and unsized request bodies before reading them', async () => {
    const big = await post('/rpc/app/info', JSON.stringify({ json: 'x'.repeat(MAX_BODY_BYTES) }))
    expect(big.status).toBe(413)
    const status = await new Promise<number>((resolve) => {
      const u = new URL(`${fx.server().url}/rpc/app/info`)
      const r = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { authorization: `Bearer ${fx.server().token}`, 'transfer-encoding': 'chunked', host: u.host } }, (res) => resolve(res.statusCode!))
      r.write('{"json":')
      r.end('null}')
    })
    expect(status).toBe(411)
  })

  it('answers malformed JSON with a validation error, no stack trace', async () => {
    for (const body of ['{"json":', 'null', '[]', '{"json":' + '['.repeat(200_000) + ']'.repeat(200_000) + '}']) {
      const r = await post('/rpc/audit/list', body)
      const text = await r.text()
      expect(r.status, body.slice(0, 20)).toBeLessThan(500)
      expect(text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/)
    }
  })

  it('sends security headers with API answers and pages', async () => {
    const r = await post('/rpc/app/info', '{}')
    expect(r.status).toBe(200)
    expect(r.headers.get('cache-control')).toBe('no-store')
    expect(r.headers.get('x-content-type-options')).toBe('nosniff')
    expect(r.headers.get('content-security-policy')).not.toContain('unsafe-eval')
    const page = await fetch(`${fx.server().url}/`)
    expect(page.headers.get('x-frame-options')).toBe('DENY')
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin')
    expect(page.headers.get('content-security-policy')).not.toContain('unsafe-eval')
  })
})
