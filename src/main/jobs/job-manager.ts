import { randomUUID } from 'node:crypto'
import { EventEmitter, on } from 'node:events'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { JobEvent, JobRecord, JobState } from '../../shared/schemas'
import { writeFileAtomic } from '../config/atomic-file'
import { RateEstimator, etaSeconds } from './rate'

export interface Progress {
  phase?: string
  done?: number
  total?: number | null
  unit?: string
  message?: string
}
export interface JobContext {
  jobId: string
  signal: AbortSignal
  report(p: Progress): void
}
export type JobRunner = (ctx: JobContext) => Promise<string | void>

export class JobNotFoundError extends Error {}
export class JobCancelledError extends Error {
  constructor() {
    super('cancelled by the user')
  }
}

const HISTORY_LIMIT = 500
const TERMINAL: JobState[] = ['succeeded', 'failed', 'cancelled', 'interrupted']

/**
 * Every long operation runs here: start, watch (progress, rate, ETA), cancel, list. History is kept
 * in `<home>/jobs/history.json` so a restart still shows past jobs; jobs that were running when the
 * process died are marked "interrupted".
 */
export class JobManager {
  private readonly file: string
  private readonly records = new Map<string, JobRecord>()
  private readonly controllers = new Map<string, AbortController>()
  private readonly done = new Map<string, Promise<JobRecord>>()
  private readonly events = new EventEmitter()

  constructor(home: string) {
    const dir = join(home, 'jobs')
    mkdirSync(dir, { recursive: true })
    this.file = join(dir, 'history.json')
    this.events.setMaxListeners(0)
    for (const r of this.readHistory()) {
      if (r.state === 'running') {
        r.state = 'interrupted'
        r.error = 'the process that ran this job stopped before it finished'
        r.endedAt ??= new Date().toISOString()
      }
      this.records.set(r.id, r)
    }
  }

  private readHistory(): JobRecord[] {
    if (!existsSync(this.file)) return []
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as JobRecord[]
    } catch {
      return [] // a corrupt history must not stop the console; the next write replaces it
    }
  }

  private persist(): void {
    // Merge with what other processes (CLI, desktop) wrote, newest first, capped.
    const merged = new Map(this.readHistory().map((r) => [r.id, r]))
    for (const r of this.records.values()) merged.set(r.id, r)
    const list = [...merged.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, HISTORY_LIMIT)
    writeFileAtomic(this.file, JSON.stringify(list, null, 1))
  }

  start(kind: string, title: string, run: JobRunner): JobRecord {
    const id = `${kind}-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`
    const controller = new AbortController()
    const record: JobRecord = {
      id, kind, title, state: 'running', startedAt: new Date().toISOString(), endedAt: null, error: null, last: null
    }
    this.records.set(id, record)
    this.controllers.set(id, controller)
    const rate = new RateEstimator()
    let current: Omit<JobEvent, 'jobId' | 'seq' | 'at' | 'state' | 'rate' | 'etaSeconds'> = {
      phase: 'starting', done: 0, total: null, unit: 'steps', message: title
    }
    const emit = (state: JobState): void => {
      const r = rate.sample(current.done)
      const event: JobEvent = {
        ...current, jobId: id, seq: (record.last?.seq ?? 0) + 1, at: new Date().toISOString(), state,
        rate: r, etaSeconds: state === 'running' ? etaSeconds(current.done, current.total, r) : null
      }
      record.last = event
      record.state = state
      this.events.emit(id, event)
    }
    emit('running')
    this.persist()
    const report = (p: Progress): void => {
      if (controller.signal.aborted) return
      current = { ...current, ...p }
      emit('running')
    }
    const finished = (async () => {
      try {
        const message = await run({ jobId: id, signal: controller.signal, report })
        if (controller.signal.aborted) throw new JobCancelledError()
        current = { ...current, phase: 'done', message: message || 'finished' }
        if (current.total !== null) current.done = current.total
        emit('succeeded')
      } catch (e) {
        const cancelled = controller.signal.aborted
        record.error = cancelled ? 'cancelled by the user' : describeError(e)
        current = { ...current, message: record.error }
        emit(cancelled ? 'cancelled' : 'failed')
      } finally {
        record.endedAt = new Date().toISOString()
        this.controllers.delete(id)
        this.persist()
      }
      return record
    })()
    this.done.set(id, finished)
    return { ...record }
  }

  get(id: string): JobRecord {
    const r = this.records.get(id) ?? this.readHistory().find((x) => x.id === id)
    if (!r) throw new JobNotFoundError(`no job ${id}`)
    return { ...r }
  }

  list(limit = 50): JobRecord[] {
    const merged = new Map(this.readHistory().map((r) => [r.id, r]))
    for (const r of this.records.values()) merged.set(r.id, r)
    return [...merged.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, limit)
  }

  cancel(id: string): JobRecord {
    const r = this.get(id)
    this.controllers.get(id)?.abort()
    return r
  }

  /** Resolves when the job ends (only for jobs of this process). */
  async wait(id: string): Promise<JobRecord> {
    const p = this.done.get(id)
    return p ? { ...(await p) } : this.get(id)
  }

  /** The latest event first (so a late watcher sees where the job is), then every event until the end. */
  async *watch(id: string, signal?: AbortSignal): AsyncGenerator<JobEvent> {
    const r = this.get(id)
    const running = !TERMINAL.includes(r.state) && this.controllers.has(id)
    // Subscribe before the first yield so no event slips between the snapshot and the live stream.
    const live = running ? (on(this.events, id, { signal }) as AsyncIterableIterator<[JobEvent]>) : null
    try {
      if (r.last) yield r.last
      if (!live) return
      for await (const [event] of live) {
        if (event.seq <= (r.last?.seq ?? 0)) continue
        yield event
        if (TERMINAL.includes(event.state)) return
      }
    } catch (e) {
      if ((e as Error).name !== 'AbortError') throw e
    } finally {
      await live?.return?.()
    }
  }
}

/** The message, plus what to do when the error says it (StackError's `fix`). */
function describeError(e: unknown): string {
  const err = e as Error & { fix?: string }
  return err.fix ? `${err.message} Fix: ${err.fix}` : (err?.message ?? String(e))
}
