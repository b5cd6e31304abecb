import { describe, expect, it } from 'vitest'
import { measurePaced } from '../../src/main/bench/latency'

describe('paced (open-loop) load', () => {
  it('never reports a negative latency, even when a timer fires early', async () => {
    const m = await measurePaced(5, 50, 0.5, async () => {})
    expect(m.calls).toBeGreaterThan(50)
    expect(Math.min(...m.latencies)).toBeGreaterThanOrEqual(0)
  })

  it('counts a stall in full for the calls that were due during it (no coordinated omission)', async () => {
    let first = true
    const m = await measurePaced(1, 50, 0.6, async () => {
      if (first) {
        first = false
        await new Promise((r) => setTimeout(r, 200))
      }
    })
    // The call after the 200 ms stall was due 20 ms after the first: it waited about 180 ms.
    expect(m.latencies[1]).toBeGreaterThan(150)
  })
})
