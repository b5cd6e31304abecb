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
