import { afterEach, describe, expect, it, vi } from 'vitest'
import { runCli } from '../../src/main/cli/main'
import { NOWHERE, tempHome } from '../support/temp-home'

const t = tempHome(NOWHERE)
afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllEnvs()
})

async function run(args: string[], home = t.home): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true))
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true))
  const code = await runCli(['--home', home, ...args])
  vi.restoreAllMocks()
  return { code, out, err }
}

describe('fda-offline CLI', () => {
  it('exits 2 on usage errors', async () => {
    expect((await run(['no-such-command'])).code).toBe(2)
    expect((await run(['stack', 'up', '--no-such-flag'])).code).toBe(2)
    const bad = await run(['stack', 'logs', 'purple'])
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/unknown role "purple"/)
  })

  it('exits 0 with help', async () => {
    const r = await run(['--help'])
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/stack/)
  })

  it('status without a Docker engine: exit 1, one line naming the problem and the fix', async () => {
    vi.stubEnv('DOCKER_HOST', `unix://${t.home}/no-docker.sock`)
    const r = await run(['status'])
    expect(r.code).toBe(1)
    const lines = r.err.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/Docker is not reachable at unix:\/\/.*no-docker\.sock/)
    expect(lines[0]).toMatch(/Fix: Start the Docker engine/)
    expect(r.err).not.toMatch(/at .*\.ts:\d+/) // no stack trace
  })

  it('status --json still prints the machine-readable status when Docker is down', async () => {
    vi.stubEnv('DOCKER_HOST', `unix://${t.home}/no-docker.sock`)
    const r = await run(['--json', 'status'])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.out).docker).toMatchObject({ reachable: false })
  })

  it('stack up without Docker fails as a job with the same explanation', async () => {
    vi.stubEnv('DOCKER_HOST', `unix://${t.home}/no-docker.sock`)
    const r = await run(['stack', 'up'])
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/failed: Docker is not reachable.*Fix:/)
    const jobs = await run(['--json', 'jobs', 'list'])
    expect(JSON.parse(jobs.out)[0]).toMatchObject({ kind: 'stack-up', state: 'failed' })
  })

  it('rejects invalid settings with the file and field named', async () => {
    const bad = tempHome({ ports: { blue: 80 } })
    const r = await run(['jobs', 'list'], bad.home)
    bad.cleanup()
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/settings\.json has invalid settings: ports\.blue/)
  })
})

describe('fda-offline bench', () => {
  it('lists the suite and refuses unknown benchmarks and sizes before starting anything (no Docker needed)', async () => {
    const h = tempHome(NOWHERE)
    try {
      const empty = await run(['bench', 'list'], h.home)
      expect(empty.code).toBe(0)
      for (const name of ['import', 'queries', 'concurrency', 'api', 'backup', 'switch']) expect(empty.out).toMatch(new RegExp(`^  ${name}\\s+\\S`, 'm'))
      expect(empty.out).not.toMatch(/not in this build/)
      expect(empty.out).toMatch(/no benchmark runs stored yet/)
      expect((await run(['bench', 'show'], h.home)).code).toBe(1)
      const bad = await run(['bench', 'run', '--only', 'nope'], h.home)
      expect(bad.code).toBe(2)
      expect(bad.err).toMatch(/unknown benchmark nope: choose from import, queries, concurrency/)
      expect((await run(['bench', 'run', '--sizes', '10k'], h.home)).code).toBe(2)
    } finally {
      h.cleanup()
    }
  })
})
