import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { runCli } from '../../src/main/cli/main'
import { startTestOpenFdaServer, type TestOpenFdaServer } from '../../src/main/openfda/testing/test-openfda-server'
import { NOWHERE, tempHome } from '../support/temp-home'

let srv: TestOpenFdaServer
let t: ReturnType<typeof tempHome>
beforeAll(async () => {
  srv = await startTestOpenFdaServer({ generate: { pma: 8 }, port: 60070 + (Number(process.env.FDA_TEST_PORT_OFFSET ?? 0) % 5) })
  // No database (NOWHERE ports): the read path must get by with the cache and the API.
  t = tempHome({ ...NOWHERE, openfda: { baseUrl: srv.url, retries: 0 } })
})
afterAll(async () => {
  await srv.close()
  t.cleanup()
})
afterEach(() => vi.restoreAllMocks())

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true))
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true))
  const code = await runCli(['--home', t.home, ...args])
  vi.restoreAllMocks()
  return { code, out, err }
}

describe('fda-offline query and refresh (command line)', () => {
  it('refuses bad usage with exit 2 and says what is wrong', async () => {
    expect(await run(['query', 'drugs'])).toMatchObject({ code: 2, err: expect.stringMatching(/unknown endpoint "drugs"/) })
    expect(await run(['query', 'pma', '--limit', 'ten'])).toMatchObject({ code: 2, err: expect.stringMatching(/--limit must be a whole number/) })
    expect(await run(['refresh', '--blue-green', '--in-place'])).toMatchObject({ code: 2, err: expect.stringMatching(/exclude each other/) })
    expect(await run(['refresh', '--endpoint', 'drugs'])).toMatchObject({ code: 2, err: expect.stringMatching(/unknown endpoint "drugs"/) })
  })

  it('with the database down, answers from openFDA, then from the cache, keeping openFDA\'s envelope', async () => {
    srv.requests.length = 0
    const first = await run(['query', 'pma', '--search', '_exists_:pma_number', '--limit', '3', '--sort', 'decision_date:desc'])
    expect(first.code).toBe(0)
    const env = JSON.parse(first.out)
    expect(env.meta.results).toEqual({ skip: 0, limit: 3, total: 8 })
    expect(env.meta.disclaimer).toMatch(/openFDA/)
    expect(env.results).toHaveLength(3)
    expect(env.meta.fda_offline.tier).toBe('api')
    expect(first.err).toMatch(/answered by: api — postgres skipped: PostgreSQL through PgBouncer is not reachable/)
    const second = await run(['query', 'pma', '--search', '_exists_:pma_number', '--limit', '3', '--sort', 'decision_date:desc'])
    expect(JSON.parse(second.out).meta.fda_offline.tier).toBe('cache')
    expect(JSON.parse(second.out).results).toEqual(env.results)
    expect(srv.requests).toHaveLength(1)
    // a count query passes through too
    const count = await run(['query', 'pma', '--count', 'advisory_committee'])
    expect(count.code).toBe(0)
    expect(JSON.parse(count.out).results.reduce((n: number, r: { count: number }) => n + r.count, 0)).toBe(8)
  })

  it('when no tier can answer: exit 1, the reasons on standard error, a degraded envelope on standard output', async () => {
    srv.setFaults([{ kind: 'status', status: 503, times: Infinity }])
    const r = await run(['query', 'pma', '--limit', '2'])
    srv.setFaults([])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.out).meta.fda_offline).toMatchObject({ tier: null, degraded: true })
    expect(r.err).toMatch(/api skipped: openFDA did not answer http:\/\/127\.0\.0\.1:\d+\/device\/pma\.json\?limit=2 after 3 attempts: 503/)
  })
})
