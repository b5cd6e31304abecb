import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import lockfile from 'proper-lockfile'
import { writeFileAtomic } from '../../config/atomic-file'
import { sleep } from './retry'

/** openFDA's published limits: 240 requests a minute; 1,000 a day without a key, 120,000 with one. */
export const OPENFDA_LIMITS = { perMinute: 240, perDayAnonymous: 1_000, perDayWithKey: 120_000 } as const

export interface RateLimits {
  /** Requests allowed in any sliding window of `windowMs`. */
  perWindow: number
  windowMs: number
  /** Requests allowed per UTC calendar day. */
  perDay: number
  /** Extra spacing (ms) so requests still fit openFDA's window as it sees them, after network delays. */
  marginMs?: number
}

export function openFdaLimits(withKey: boolean): RateLimits {
  return { perWindow: OPENFDA_LIMITS.perMinute, windowMs: 60_000, marginMs: 1_000, perDay: withKey ? OPENFDA_LIMITS.perDayWithKey : OPENFDA_LIMITS.perDayAnonymous }
}

export class DailyQuotaExceededError extends Error {
  constructor(readonly limit: number, readonly resetsAt: string) {
    super(`openFDA's daily limit of ${limit} requests is used up on this machine; it resets at ${resetsAt}`)
  }
}

interface State {
  version: 1
  /** Times (ms) of the requests in the current sliding window, oldest first. */
  window: number[]
  /** Per identity (anonymous, or a key's fingerprint): the UTC day and its request count. */
  days: Record<string, { day: string; count: number }>
}

export interface Limiter {
  /** Resolves with the time (ms) the slot was recorded at, once a request may be sent. */
  acquire(identity: string, limits: RateLimits, signal?: AbortSignal): Promise<number | void>
}

/**
 * A sliding-window log of request times kept in one file of the state directory, read and written
 * under an exclusive lock (proper-lockfile: a lock directory, mkdir being atomic, with a stale
 * timeout so a crashed holder cannot block others). Every console process on the machine (desktop,
 * server mode, CLI, refresh jobs) takes its request slots from the same file, so together they never
 * exceed openFDA's limits. A request slot is only ever taken, never returned: failed requests count,
 * as they do at openFDA.
 */
export class FileRateLimiter implements Limiter {
  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true })
    if (!existsSync(file)) {
      try {
        writeFileSync(file, JSON.stringify(empty()), { flag: 'wx' })
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e // another process made it first
      }
    }
  }

  async acquire(identity: string, limits: RateLimits, signal?: AbortSignal): Promise<number> {
    for (;;) {
      signal?.throwIfAborted()
      const r = await this.withLock(() => this.tryTake(identity, limits))
      if ('takenAt' in r) return r.takenAt
      await sleep(r.waitMs, signal)
    }
  }

  /** The slot's time when one was taken; otherwise how long until one frees up. */
  private tryTake(identity: string, limits: RateLimits): { takenAt: number } | { waitMs: number } {
    const state = this.read()
    const now = Date.now()
    const day = new Date(now).toISOString().slice(0, 10)
    const span = limits.windowMs + (limits.marginMs ?? 0)
    state.window = state.window.filter((t) => t > now - span && t <= now + 1000)
    const d = state.days[identity]?.day === day ? state.days[identity] : { day, count: 0 }
    if (d.count >= limits.perDay) {
      const tomorrow = new Date(`${day}T00:00:00Z`).getTime() + 86_400_000
      throw new DailyQuotaExceededError(limits.perDay, new Date(tomorrow).toISOString())
    }
    if (state.window.length >= limits.perWindow) {
      const oldest = state.window[state.window.length - limits.perWindow]
      return { waitMs: Math.max(1, oldest + span - now + 1) }
    }
    state.window.push(now)
    state.days[identity] = { day, count: d.count + 1 }
    writeFileAtomic(this.file, JSON.stringify(state))
    return { takenAt: now }
  }

  private read(): State {
    try {
      const s = JSON.parse(readFileSync(this.file, 'utf8')) as State
      if (s.version === 1 && Array.isArray(s.window) && s.days && typeof s.days === 'object') return s
    } catch {
      // a damaged file (disk full, hand edit) starts a fresh window rather than blocking every request
    }
    return empty()
  }

  private async withLock<T>(fn: () => T): Promise<T> {
    const release = await lockfile.lock(this.file, { realpath: false, stale: 10_000, retries: { retries: 200, minTimeout: 2, maxTimeout: 50, factor: 1.5 } })
    try {
      return fn()
    } finally {
      await release()
    }
  }
}

function empty(): State {
  return { version: 1, window: [], days: {} }
}
