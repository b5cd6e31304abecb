import { expect, test } from '../fixtures'
import { PORT_OFFSET } from '../../test/support/ports'

// Server mode starts the openFDA-compatible API beside the console (global setup: ports.api 56380+offset).
const API = `http://127.0.0.1:${56380 + PORT_OFFSET}`

test('server mode serves the mirror as an openFDA-compatible API: the bundled samples, in openFDA envelopes @server-only', async ({ request }) => {
  const r = await request.get(`${API}/device/510k.json?search=_exists_:k_number&limit=2`)
  expect(r.status()).toBe(200)
  expect(r.headers()['access-control-allow-origin']).toBe('*')
  const body = (await r.json()) as { meta: { disclaimer: string; results: { total: number; limit: number } }; results: { k_number: string }[] }
  expect(body.meta.disclaimer).toMatch(/openFDA/)
  expect(body.meta.results.limit).toBe(2)
  expect(body.meta.results.total).toBeGreaterThan(0)
  expect(body.results[0].k_number).toMatch(/^K/)
  const k = body.results[0].k_number
  const one = (await (await request.get(`${API}/device/510k.json?search=k_number:${k}`)).json()) as { results: { k_number: string }[] }
  expect(one.results.map((x) => x.k_number)).toEqual([k])
  const bad = await request.get(`${API}/device/510k.json?skip=30000`)
  expect(bad.status()).toBe(400)
  expect(await bad.json()).toEqual({ error: { code: 'BAD_REQUEST', message: 'Skip value must 25000 or less.' } })
})
