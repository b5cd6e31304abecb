/** Percentiles of latencies in milliseconds (nearest-rank). */
export function percentiles(samples: number[]): { p50: number; p95: number; p99: number; max: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b)
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
  return { p50: at(50), p95: at(95), p99: at(99), max: s[s.length - 1], mean: s.reduce((a, b) => a + b, 0) / s.length }
}

/** Runs `count` calls of `fn` spread over `concurrency` workers; returns each call's latency in ms and the wall time. */
export async function measure(count: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<{ latencies: number[]; seconds: number; errors: number }> {
  const latencies: number[] = []
  let next = 0
  let errors = 0
  const started = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) {
        const t = process.hrtime.bigint()
        try {
          await fn(i)
          latencies.push(Number(process.hrtime.bigint() - t) / 1e6)
        } catch {
          errors++
        }
      }
    })
  )
  return { latencies, seconds: Number(process.hrtime.bigint() - started) / 1e9, errors }
}

/**
 * Open-loop load: `clients` workers, each starting a call every 1000/`perClientRate` ms for
 * `seconds` (staggered so calls spread evenly). A call's latency counts from when it was due, not
 * from when a late worker got to it, so a stall shows up in full (no coordinated omission).
 */
export async function measurePaced(clients: number, perClientRate: number, seconds: number, fn: (i: number) => Promise<unknown>): Promise<{ latencies: number[]; seconds: number; errors: number; calls: number }> {
  const latencies: number[] = []
  let errors = 0
  let calls = 0
  const interval = 1000 / perClientRate
  const t0 = performance.now()
  const end = t0 + seconds * 1000
  await Promise.all(
    Array.from({ length: clients }, async (_, w) => {
      for (let k = 0; ; k++) {
        const due = t0 + (k + w / clients) * interval
        if (due >= end) break
        const wait = due - performance.now()
        if (wait > 0) await new Promise((r) => setTimeout(r, wait))
        // From when it was due (a late start counts in full); timers round to whole milliseconds and
        // may fire a little early, and then the call counts from its start.
        const from = Math.min(due, performance.now())
        const i = calls++
        try {
          await fn(i)
          latencies.push(performance.now() - from)
        } catch {
          errors++
        }
      }
    })
  )
  return { latencies, seconds: (performance.now() - t0) / 1000, errors, calls }
}
