/** Smoothed rate and ETA from successive (time, done) samples; exponential moving average so a stall shows quickly. */
export class RateEstimator {
  private lastAt: number | null = null
  private lastDone = 0
  private ewma: number | null = null
  constructor(private readonly alpha = 0.3) {}

  sample(done: number, now = Date.now()): number | null {
    if (this.lastAt !== null && now > this.lastAt && done >= this.lastDone) {
      const instant = ((done - this.lastDone) * 1000) / (now - this.lastAt)
      this.ewma = this.ewma === null ? instant : this.alpha * instant + (1 - this.alpha) * this.ewma
    }
    if (this.lastAt === null || now - this.lastAt >= 200 || done < this.lastDone) {
      this.lastAt = now
      this.lastDone = done
    }
    return this.ewma
  }
}

export function etaSeconds(done: number, total: number | null, rate: number | null): number | null {
  if (total === null || rate === null || rate <= 0) return null
  return Math.max(0, Math.round((total - done) / rate))
}
