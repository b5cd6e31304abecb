import { afterEach, describe, expect, it } from 'vitest'
import type { JobEvent } from '../../src/shared/schemas'
import { JobManager } from '../../src/main/jobs/job-manager'
import { etaSeconds, RateEstimator } from '../../src/main/jobs/rate'
import { tempHome } from '../support/temp-home'

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))
const newHome = (): string => {
  const t = tempHome()
  cleanups.push(t.cleanup)
  return t.home
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function collect(it: AsyncIterable<JobEvent>): Promise<JobEvent[]> {
  const out: JobEvent[] = []
  for await (const e of it) out.push(e)
  return out
}

describe('JobManager', () => {
  it('streams progress in order and ends with success', async () => {
    const jobs = new JobManager(newHome())
    const job = jobs.start('demo', 'Demo', async (ctx) => {
      for (let i = 1; i <= 5; i++) {
        await sleep(20)
        ctx.report({ phase: 'work', done: i, total: 5, unit: 'items', message: `item ${i}` })
      }
      return 'all five done'
    })
    const events = await collect(jobs.watch(job.id))
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b))
    expect(events.filter((e) => e.phase === 'work').map((e) => e.done)).toEqual([1, 2, 3, 4, 5])
    const last = events.at(-1)!
    expect(last.state).toBe('succeeded')
    expect(last.message).toBe('all five done')
    expect(last.done).toBe(5)
  })

  it('a late watcher gets the current event, then the rest', async () => {
    const jobs = new JobManager(newHome())
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const job = jobs.start('demo', 'Demo', async (ctx) => {
      ctx.report({ phase: 'half', done: 1, total: 2 })
      await gate
      ctx.report({ phase: 'second', done: 2, total: 2 })
    })
    const watching = collect(jobs.watch(job.id))
    await sleep(10)
    release()
    const events = await watching
    expect(events[0].phase).toBe('half')
    expect(events.map((e) => e.phase)).toContain('second')
    expect(events.at(-1)!.state).toBe('succeeded')
  })

  it('cancel aborts the runner and records the job as cancelled', async () => {
    const jobs = new JobManager(newHome())
    const job = jobs.start('slow', 'Slow', (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))))
    jobs.cancel(job.id)
    const r = await jobs.wait(job.id)
    expect(r.state).toBe('cancelled')
    expect(r.error).toMatch(/cancelled/)
  })

  it('keeps the message and fix of a failing job', async () => {
    const jobs = new JobManager(newHome())
    const job = jobs.start('bad', 'Bad', async () => {
      throw Object.assign(new Error('port 1 taken.'), { fix: 'choose another port' })
    })
    const r = await jobs.wait(job.id)
    expect(r.state).toBe('failed')
    expect(r.error).toBe('port 1 taken. Fix: choose another port')
  })

  it('history survives a restart; a job cut short is marked interrupted', async () => {
    const home = newHome()
    const first = new JobManager(home)
    const done = first.start('quick', 'Quick', async () => 'ok')
    await first.wait(done.id)
    first.start('never', 'Never ends', () => new Promise(() => {}))
    const second = new JobManager(home) // as if the process had died and restarted
    const list = second.list()
    expect(list.find((r) => r.id === done.id)?.state).toBe('succeeded')
    const cut = list.find((r) => r.kind === 'never')!
    expect(cut.state).toBe('interrupted')
    expect(cut.endedAt).not.toBeNull()
  })

  it('unknown job ids are an error', () => {
    const jobs = new JobManager(newHome())
    expect(() => jobs.get('nope')).toThrow(/no job nope/)
  })
})

describe('rate and ETA', () => {
  it('estimates a steady rate and the time left', () => {
    const r = new RateEstimator()
    let rate: number | null = null
    for (let t = 0; t <= 5000; t += 500) rate = r.sample(t * 2, t) // 2 units per ms = 2000/s
    expect(rate).toBeCloseTo(2000, 0)
    expect(etaSeconds(10_000, 20_000, rate)).toBe(5)
    expect(etaSeconds(1, null, rate)).toBeNull()
    expect(etaSeconds(1, 10, 0)).toBeNull()
  })
})
