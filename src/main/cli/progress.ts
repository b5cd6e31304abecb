import cliProgress from 'cli-progress'
import { formatBytes, formatEta } from '../../shared/format'
import type { JobEvent, JobRecord } from '../../shared/schemas'

/**
 * Renders a job's events as a progress bar with rate and ETA (on a terminal), or as one line per
 * phase change (pipes, CI logs), or as JSON lines with --json.
 */
export async function renderJob(events: AsyncIterable<JobEvent>, mode: { json: boolean }): Promise<JobEvent | null> {
  const tty = process.stderr.isTTY && !mode.json
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: '{phase} [{bar}] {value}/{total} {unit} | {rate} | ETA {eta_h} | {message}', hideCursor: true, clearOnComplete: false, stream: process.stderr },
        cliProgress.Presets.shades_classic
      )
    : null
  let last: JobEvent | null = null
  let started = false
  for await (const e of events) {
    if (mode.json) process.stdout.write(JSON.stringify(e) + '\n')
    else if (bar) {
      const payload = { phase: e.phase, unit: e.unit, message: e.message.slice(0, 60), rate: e.rate === null ? '' : e.unit === 'bytes' ? `${formatBytes(e.rate)}/s` : `${e.rate.toFixed(1)} ${e.unit}/s`, eta_h: formatEta(e.etaSeconds) }
      if (!started) {
        bar.start(e.total ?? 1, e.done, payload)
        started = true
      }
      bar.setTotal(e.total ?? Math.max(1, e.done))
      bar.update(e.done, payload)
    } else if (!last || last.phase !== e.phase || last.message !== e.message) {
      const pct = e.total ? ` ${Math.round((100 * e.done) / e.total)}%` : ''
      process.stderr.write(`[${e.phase}]${pct} ${e.message.slice(0, 120)}${e.etaSeconds !== null ? ` (ETA ${formatEta(e.etaSeconds)})` : ''}\n`)
    }
    last = e
  }
  bar?.stop()
  return last
}

export function describeJob(r: JobRecord): string {
  const took = r.endedAt ? ` in ${((Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1)} s` : ''
  return `${r.state.padEnd(11)} ${r.kind.padEnd(12)} ${r.startedAt}${took}  ${r.error ?? r.last?.message ?? ''}`
}
