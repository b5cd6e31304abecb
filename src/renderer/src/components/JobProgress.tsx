import { useEffect, useState } from 'react'
import { formatBytes, formatEta } from '../../../shared/format'
import type { JobEvent } from '../../../shared/schemas'
import { api } from '../api/client'
import { errorText } from '../api/errors'


/** Live progress of one job: phase, bar, rate and ETA, from the same events the CLI renders. */
export function JobProgress({ jobId, onEnd }: { jobId: string; onEnd?: (e: JobEvent) => void }): React.JSX.Element {
  const [event, setEvent] = useState<JobEvent | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    const ac = new AbortController()
    void (async () => {
      try {
        for await (const e of await api.jobs.watch({ jobId }, { signal: ac.signal })) {
          setEvent(e)
          if (e.state !== 'running') onEnd?.(e)
        }
      } catch (e) {
        if (!ac.signal.aborted) setError(errorText(e))
      }
    })()
    return () => ac.abort()
  }, [jobId])
  if (error) return <div className="bad" role="alert">{error}</div>
  if (!event) return <div className="muted">Waiting for the job…</div>
  const pct = event.total ? Math.min(100, Math.round((100 * event.done) / event.total)) : null
  return (
    <div className="job" data-testid="job-progress" data-state={event.state}>
      <div className="job-head">
        <strong>{event.phase}</strong>
        <span className="muted">
          {event.rate !== null && event.state === 'running' ? `${event.unit === 'bytes' ? `${formatBytes(event.rate)}` : `${event.rate.toFixed(1)} ${event.unit}`}/s · ` : ''}
          {event.state === 'running' ? (event.etaSeconds === null ? '' : `ETA ${formatEta(event.etaSeconds)}`) : event.state}
        </span>
      </div>
      <progress max={100} value={pct ?? undefined} aria-label="progress" />
      <div className={event.state === 'failed' ? 'bad' : 'muted'}>{event.message}</div>
      {event.state === 'running' ? (
        <button className="secondary" onClick={() => void api.jobs.cancel({ jobId })}>Cancel</button>
      ) : null}
    </div>
  )
}
