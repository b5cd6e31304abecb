import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createServices, type Services } from '../../src/main/app/services'
import { LOGIN_FAILURES_PER_MINUTE, startServerMode, type RunningServer } from '../../src/main/server/http-server'
import { contract } from '../../src/shared/contract'
import { PORT_OFFSET } from '../support/ports'
import { procedurePaths } from '../support/procedures'
import { testStack } from '../support/test-stack'

// Port block of issue 8 (60400–60499): the stack at 60450+offset, +20, +40; server mode at 60460+offset.
const s = testStack(60450)
const PASSWORD = 'correct horse battery staple'
let server: Services
let srv: RunningServer
let cookie = ''

type Json = Record<string, unknown>
const STACK_TRACE = /\n\s+at |node_modules|\.ts:\d+|\.js:\d+/

const call = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${srv.url}/rpc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-fda-request': '1', cookie, authorization: `Bearer ${srv.token}`, ...headers }, body })

/** Inputs no schema accepts: wrong shapes, wrong types per field, oversized values, deep nesting, prototype keys. */
function malformed(schema: z.ZodType): unknown[] {
  const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json
  const props = (js.properties ?? {}) as Record<string, Json>
  const types = (p: Json): Set<string> => new Set([p.type, ...((p.anyOf ?? p.oneOf ?? []) as Json[]).map((x) => x.type)].filter(Boolean).map(String))
  const typeOf = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'object' ? 'object' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v)
  const wrong = (p: Json): unknown => {
    const t = types(p)
    return [{ nested: [1, { deep: true }] }, 'not valid', 12.5, true, ['x']].find((v) => !t.has(typeOf(v)) && !(typeOf(v) === 'integer' && t.has('number')))
  }
  const huge = (p: Json): unknown => {
    const t = types(p)
    const str = ((p.anyOf as Json[] | undefined)?.find((x) => x.type === 'string') ?? p) as Json
    const arr = ((p.anyOf as Json[] | undefined)?.find((x) => x.type === 'array') ?? p) as Json
    return t.has('string') ? 'x'.repeat(Math.min(Number(str.maxLength ?? 100_000) + 1, 200_000))
      : t.has('array') ? Array.from({ length: Number(arr.maxItems ?? 10_000) + 1 }, () => 'x')
        : t.has('number') || t.has('integer') ? 1e300 : { x: 'y'.repeat(100_000) }
  }
  const out: unknown[] = ['a string', 42, [], true, { ...Object.fromEntries(Object.entries(props).map(([k, p]) => [k, huge(p)])) }]
  for (const [k, p] of Object.entries(props)) out.push({ [k]: wrong(p) }, { [k]: huge(p) }, { [k]: JSON.parse('['.repeat(2000) + ']'.repeat(2000)) })
  // Prototype keys beside an invalid field (unknown keys alone are dropped, which would make the call valid).
  const [first] = Object.entries(props)
  if (first) out.push(JSON.parse(`{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},${JSON.stringify(first[0])}:${JSON.stringify(wrong(first[1]))}}`))
  return out
}

beforeAll(async () => {
  const job = await s.client.stack.up({ green: false })
  const done = await s.services.jobs.wait(job.id)
  if (done.state !== 'succeeded') throw new Error(`stack up failed: ${done.error}`)
  await s.client.auth.setupFirstAdmin({ username: 'alice', printedName: 'Alice Admin', password: PASSWORD })
  server = createServices({ host: 'server', home: s.home })
  srv = await startServerMode(server, { port: 60460 + PORT_OFFSET, rendererDir: s.home })
  const login = await call('auth/login', JSON.stringify({ json: { username: 'alice', password: PASSWORD } }))
  expect(login.status).toBe(200)
  cookie = login.headers.get('set-cookie')!.split(';')[0]
})
afterAll(async () => {
  await srv?.close()
  await server?.close()
  await s.teardown()
})

describe('every API procedure against hostile input', () => {
  it('answers malformed and oversized input with a validation error, never a crash or a stack trace', async () => {
    const before = (await s.client.audit.head())!.seq
    let probes = 0
    for (const path of procedurePaths()) {
      const proc = path.reduce<unknown>((o, k) => (o as Json)[k], contract) as { '~orpc': { inputSchema?: z.ZodType } }
      const schema = proc['~orpc'].inputSchema
      if (!schema) continue // no input: nothing to validate (and calling it would act)
      for (const input of malformed(schema)) {
        const body = JSON.stringify({ json: input })
        const r = await call(path.join('/'), body)
        const text = await r.text()
        const where = `${path.join('.')} ← ${body.slice(0, 80)}`
        if (r.status === 413) {
          expect(body.length, where).toBeGreaterThan(1024 * 1024)
          continue
        }
        expect(r.status, `${where}: ${text.slice(0, 300)}`).toBe(400)
        expect(text, where).toMatch(/BAD_REQUEST|Input validation failed/)
        expect(text, where).not.toMatch(STACK_TRACE)
        probes++
      }
    }
    expect(probes).toBeGreaterThan(100)
    // Nothing was carried out: the trail has no new entry, and the server still answers.
    expect((await s.client.audit.head())!.seq).toBe(before)
    expect(({} as Json).polluted).toBeUndefined()
    expect((await call('app/info', '{}')).status).toBe(200)
    expect((await s.client.audit.chain({ full: true })).ok).toBe(true)
  })

  it('rate-limits failed sign-ins per client address (on top of the per-account lockout)', async () => {
    const attempt = () => call('auth/login', JSON.stringify({ json: { username: 'nobody-here', password: 'wrong password' } }), { cookie: '' })
    for (let i = 0; i < LOGIN_FAILURES_PER_MINUTE; i++) expect((await attempt()).status).toBe(401)
    const limited = await attempt()
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    // Other calls of the signed-in session are not affected.
    expect((await call('audit/facets', '{}')).status).toBe(200)
  })
})
