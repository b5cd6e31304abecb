import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { build } from 'rolldown'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DailyQuotaExceededError, FileRateLimiter, openFdaLimits } from '../../src/main/openfda/client/rate-limiter'
import { startTestOpenFdaServer, type TestOpenFdaServer } from '../../src/main/openfda/testing/test-openfda-server'
import { tempHome } from '../support/temp-home'

let srv: TestOpenFdaServer
const home = tempHome()
const worker = join(home.home, 'rate-limit-worker.mjs')

beforeAll(async () => {
  srv = await startTestOpenFdaServer({ generate: { classification: 3 }, port: 60065 + (Number(process.env.FDA_TEST_PORT_OFFSET ?? 0) % 5) })
  // The worker is real client code, bundled so a plain `node` process can run it.
  await build({ input: join(__dirname, '..', 'fixtures', 'rate-limit-worker.ts'), platform: 'node', write: true, logLevel: 'silent', output: { file: worker, format: 'esm' } })
})
afterAll(async () => {
  await srv.close()
  home.cleanup()
})

/** Runs one worker process; resolves with the times its request slots were granted. */
const run = (file: string, n: number, perWindow: number, windowMs: number) =>
  new Promise<number[]>((resolve, reject) => {
    const child = spawn(process.execPath, [worker, file, srv.url, String(n), String(perWindow), String(windowMs)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('exit', (code) => (code === 0 ? resolve(out.trim().split('\n').map(Number)) : reject(new Error(`worker exited ${code}: ${err}`))))
  })

/** The most requests the server saw in any window of `windowMs`. */
function busiestWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b)
  let best = 0
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i] - t[j] >= windowMs) j++
    best = Math.max(best, i - j + 1)
  }
  return best
}

describe('rate limits shared by every process on the machine', () => {
  it('two processes together never exceed the window limit', async () => {
    const file = join(home.home, 'openfda', 'rate-limit.json')
    srv.requests.length = 0
    const started = Date.now()
    const [a, b] = await Promise.all([run(file, 15, 10, 1000), run(file, 15, 10, 1000)])
    const counted = () => srv.requests.filter((r) => r.path === '/device/classification.json')
    expect(counted()).toHaveLength(30)
    // 30 requests at 10 per second take at least two full windows
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000)
    // both processes took slots, and together never more than 10 in any second
    expect(a).toHaveLength(15)
    expect(b).toHaveLength(15)
    expect(busiestWindow([...a, ...b], 1000)).toBeLessThanOrEqual(10)
    // (Arrival times at the server also depend on scheduling on a loaded machine; the real limits
    // add a one-second margin to the window for that, see openFdaLimits.)
    // without the shared file, the same two processes exceed the limit together
    const [c, d] = await Promise.all([run(join(home.home, 'a.json'), 15, 10, 1000), run(join(home.home, 'b.json'), 15, 10, 1000)])
    expect(busiestWindow([...c, ...d], 1000)).toBeGreaterThan(10)
  }, 30_000)

  it("uses openFDA's published limits", () => {
    expect(openFdaLimits(false)).toEqual({ perWindow: 240, windowMs: 60_000, marginMs: 1_000, perDay: 1_000 })
    expect(openFdaLimits(true).perDay).toBe(120_000)
  })

  it('stops at the daily limit with the time it resets, and counts anonymous and keyed use apart', async () => {
    const limiter = new FileRateLimiter(join(home.home, 'daily.json'))
    const limits = { perWindow: 100, windowMs: 60_000, perDay: 3 }
    for (let i = 0; i < 3; i++) await limiter.acquire('anonymous', limits)
    const e = await limiter.acquire('anonymous', limits).catch((x) => x)
    expect(e).toBeInstanceOf(DailyQuotaExceededError)
    expect((e as Error).message).toMatch(/daily limit of 3 requests .* resets at \d{4}-\d{2}-\d{2}T00:00:00/)
    await expect(limiter.acquire('key-abc', limits)).resolves.toBeTypeOf('number')
  })
})
