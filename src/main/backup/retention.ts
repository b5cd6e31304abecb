import type { RetentionDecision, RetentionPolicy } from '../../shared/schemas/backup'

/** What retention needs to know about one backup; times are ISO strings in UTC. */
export interface RetainedItem {
  id: string
  type: 'base' | 'dump' | 'wal'
  /** When the backup became consistent (base: stop time; dump: snapshot time; WAL bundle: newest segment). */
  at: string
  /** Base backups: the first WAL segment they need. WAL bundles: their newest segment. */
  segment?: string | null
}

type Mark = RetentionDecision['marks'][number]

const DAY = 86_400_000
const dayKey = (d: Date): string => d.toISOString().slice(0, 10)
const monthKey = (d: Date): string => d.toISOString().slice(0, 7)
const yearKey = (d: Date): string => d.toISOString().slice(0, 4)
/** ISO 8601 week (Monday first), e.g. 2026-W48, in UTC. */
export function isoWeekKey(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()))
  const dow = t.getUTCDay() || 7
  t.setUTCDate(t.getUTCDate() + 4 - dow) // the Thursday of this week decides the year
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1)
  const week = Math.ceil(((t.getTime() - yearStart) / DAY + 1) / 7)
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`
}

/** The last n calendar periods (including the current one) as keys, newest first. */
function lastPeriods(now: Date, n: number, unit: 'day' | 'week' | 'month' | 'year'): Set<string> {
  const keys = new Set<string>()
  for (let i = 0; keys.size < n && i < n * 400; i++) {
    const d = new Date(now)
    if (unit === 'day') d.setUTCDate(d.getUTCDate() - i)
    else if (unit === 'week') d.setUTCDate(d.getUTCDate() - 7 * i)
    else if (unit === 'month') d.setUTCMonth(d.getUTCMonth() - i, 1)
    else d.setUTCFullYear(d.getUTCFullYear() - i, 0, 1)
    keys.add(unit === 'day' ? dayKey(d) : unit === 'week' ? isoWeekKey(d) : unit === 'month' ? monthKey(d) : yearKey(d))
  }
  return keys
}

/** WAL segment order ignores the timeline (the first 8 hex digits). */
const segmentOrder = (s: string): string => s.slice(8).toUpperCase()

/**
 * Calendar retention (grandfather-father-son), a pure function. For each of base backups and dumps
 * separately: the newest backup of each of the last `daily` days, `weekly` ISO weeks, `monthly`
 * months and `yearly` years (UTC), and always the newest. Base backups: also the newest one taken
 * at or before the start of the promised window (now − `daily` days), because it is the only one
 * that can restore the window's first moments. WAL bundles are kept back to the oldest retained
 * base backup's first segment. Everything else is pruned, each with its reason.
 */
export function decideRetention(items: RetainedItem[], policy: RetentionPolicy, now: Date): RetentionDecision[] {
  const decisions = new Map<string, { marks: Set<Mark>; item: RetainedItem }>()
  for (const it of items) decisions.set(it.id, { marks: new Set(), item: it })
  const buckets: [keyof RetentionPolicy, 'day' | 'week' | 'month' | 'year', (d: Date) => string][] = [
    ['daily', 'day', dayKey], ['weekly', 'week', isoWeekKey], ['monthly', 'month', monthKey], ['yearly', 'year', yearKey]
  ]
  for (const type of ['base', 'dump'] as const) {
    const list = items.filter((i) => i.type === type && Date.parse(i.at) <= now.getTime()).sort((a, b) => b.at.localeCompare(a.at))
    if (list.length === 0) continue
    decisions.get(list[0].id)!.marks.add('newest')
    for (const [name, unit, key] of buckets) {
      const wanted = lastPeriods(now, policy[name], unit)
      const seen = new Set<string>()
      for (const it of list) {
        const k = key(new Date(it.at))
        if (!wanted.has(k) || seen.has(k)) continue
        seen.add(k)
        decisions.get(it.id)!.marks.add(name)
      }
    }
    if (type === 'base' && policy.daily > 0) {
      const windowStart = now.getTime() - policy.daily * DAY
      const anchor = list.find((i) => Date.parse(i.at) <= windowStart)
      if (anchor) decisions.get(anchor.id)!.marks.add('window')
    }
  }
  const keptBases = items.filter((i) => i.type === 'base' && decisions.get(i.id)!.marks.size > 0 && i.segment)
  const oldestSegment = keptBases.map((i) => segmentOrder(i.segment!)).sort()[0] ?? null
  for (const it of items.filter((i) => i.type === 'wal')) {
    // Without any retained base backup, WAL is useless for recovery but kept: nothing is deleted blindly.
    if (oldestSegment === null || !it.segment || segmentOrder(it.segment) >= oldestSegment) decisions.get(it.id)!.marks.add('wal')
  }
  return items.map((it) => {
    const marks = [...decisions.get(it.id)!.marks]
    const keep = marks.length > 0
    return { id: it.id, type: it.type, at: it.at, keep, marks, reason: keep ? reasonKept(marks, it) : reasonPruned(it, policy, oldestSegment) }
  })
}

function reasonKept(marks: Mark[], it: RetainedItem): string {
  const words: Record<Mark, string> = {
    newest: 'the newest', daily: `the newest of ${it.at.slice(0, 10)}`, weekly: `the newest of week ${isoWeekKey(new Date(it.at))}`,
    monthly: `the newest of ${it.at.slice(0, 7)}`, yearly: `the newest of ${it.at.slice(0, 4)}`,
    window: 'the only base backup that can restore the start of the promised recovery window',
    wal: 'WAL needed from the oldest retained base backup onwards'
  }
  return `kept: ${marks.map((m) => words[m]).join('; ')}`
}

function reasonPruned(it: RetainedItem, p: RetentionPolicy, oldestSegment: string | null): string {
  if (it.type === 'wal') return `prune: WAL older than the oldest retained base backup (segment ${oldestSegment})`
  return `prune: not the newest of its day within ${p.daily} days, week within ${p.weekly} weeks, month within ${p.monthly} months or year within ${p.yearly} years`
}
