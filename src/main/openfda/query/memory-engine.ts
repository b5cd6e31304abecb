import { ENDPOINT_DEFS, type Endpoint } from '../endpoints'
import { compactDate, countEnvelope, searchEnvelope, today } from './envelope'
import { NO_MATCHES, planQuery, type Field, type Plan, type Pred } from './plan'
import { allLeaves, leafText, leavesAt, parseOpenFdaDate, tokens, tokensMatch } from './text'
import type { OpenFdaEnvelope, OpenFdaParams, QueryEngine } from './types'

type Rec = Record<string, unknown>
interface Row {
  record: Rec
  key: string[]
}

const texts = (record: unknown, f: Field): string[] => leavesAt(record, f.path).map(leafText).filter((t): t is string => t !== null)

/** Code-unit order, the same as PostgreSQL's COLLATE "C" for the mirror's text. */
export const cmpText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

function inRange(v: string, lo: string | null, hi: string | null, loInc: boolean, hiInc: boolean): boolean {
  if (lo !== null && (loInc ? v < lo : v <= lo)) return false
  if (hi !== null && (hiInc ? v > hi : v >= hi)) return false
  return true
}

/** Evaluates a predicate against one record with openFDA's matching rules (see text.ts). */
export function matches(pred: Pred, record: Rec): boolean {
  switch (pred.p) {
    case 'all':
      return true
    case 'none':
      return false
    case 'and':
      return pred.children.every((c) => matches(c, record))
    case 'or':
      return pred.children.some((c) => matches(c, record))
    case 'not':
      return !matches(pred.child, record)
    case 'tokens': {
      const values = pred.field ? texts(record, pred.field) : allLeaves(record)
      return values.some((v) => tokensMatch(tokens(v), pred.tokens))
    }
    case 'equals':
      return texts(record, pred.field).some((v) => v === pred.text)
    case 'pattern': {
      const re = new RegExp(pred.js)
      return texts(record, pred.field).some((v) => re.test(v))
    }
    case 'dateRange':
      return texts(record, pred.field).some((v) => {
        const d = parseOpenFdaDate(v)
        return d !== null && inRange(d, pred.lo, pred.hi, pred.loInclusive, pred.hiInclusive)
      })
    case 'textRange':
      return texts(record, pred.field).some((v) => inRange(v, pred.lo, pred.hi, pred.loInclusive, pred.hiInclusive))
    case 'exists':
      return texts(record, pred.field).some((v) => v !== '')
  }
}

/** A record's sort value: the smallest value ascending, the largest descending (as Elasticsearch); null when missing. */
export function sortValue(record: unknown, sort: NonNullable<Plan['sort']>): string | null {
  let vals = texts(record, sort.field)
  if (sort.field.kind === 'date') vals = vals.map((v) => parseOpenFdaDate(v)).filter((v): v is string => v !== null)
  if (vals.length === 0) return null
  return vals.reduce((a, b) => ((sort.desc ? cmpText(b, a) > 0 : cmpText(b, a) < 0) ? b : a))
}

/** Order of results: by the sort value (missing last), then by the natural key ascending. */
export function comparePosition(a: (string | null)[], b: (string | null)[], desc: boolean | undefined): number {
  let i = 0
  if (desc !== undefined) {
    const [x, y] = [a[0], b[0]]
    if (x !== y) {
      if (x === null) return 1
      if (y === null) return -1
      return desc ? cmpText(y, x) : cmpText(x, y)
    }
    i = 1
  }
  for (; i < a.length; i++) {
    const c = cmpText(a[i] ?? '', b[i] ?? '')
    if (c !== 0) return c
  }
  return 0
}

/** The cursor values of a record in a result: [sort value?, ...natural key]. */
export function positionOf(endpoint: Endpoint, record: Rec, sort: Plan['sort']): (string | null)[] {
  const def = ENDPOINT_DEFS[endpoint]
  const key = def.key(record)
  const k = def.keyColumns.map((c) => key[c])
  return sort ? [sortValue(record, sort), ...k] : k
}

/**
 * Answers openFDA queries from records in memory: the test server's engine, and the reference the
 * SQL engine is checked against. Records without a natural key are ignored (the mirror rejects them).
 */
export class MemoryQueryEngine implements QueryEngine {
  private readonly data = new Map<Endpoint, Row[]>()

  constructor(
    records: Partial<Record<Endpoint, Iterable<Rec>>>,
    private readonly opts: { lastUpdated?: (endpoint: Endpoint) => string } = {}
  ) {
    for (const [endpoint, recs] of Object.entries(records) as [Endpoint, Iterable<Rec>][]) this.set(endpoint, recs)
  }

  /** Replaces an endpoint's records. */
  set(endpoint: Endpoint, records: Iterable<Rec>): void {
    const def = ENDPOINT_DEFS[endpoint]
    const rows: Row[] = []
    for (const record of records) {
      try {
        const key = def.key(record)
        rows.push({ record, key: def.keyColumns.map((c) => key[c]) })
      } catch {
        /* no natural key: not servable */
      }
    }
    rows.sort((a, b) => comparePosition(a.key, b.key, undefined))
    this.data.set(endpoint, rows)
  }

  records(endpoint: Endpoint): Rec[] {
    return (this.data.get(endpoint) ?? []).map((r) => r.record)
  }

  async query(endpoint: Endpoint, params: OpenFdaParams, signal?: AbortSignal): Promise<OpenFdaEnvelope> {
    const plan = planQuery(endpoint, params)
    signal?.throwIfAborted()
    const lastUpdated = this.opts.lastUpdated?.(endpoint) ?? today()
    const hits = (this.data.get(endpoint) ?? []).filter((r) => matches(plan.pred, r.record))
    if (plan.count) return countEnvelope(lastUpdated, countTerms(hits.map((h) => h.record), plan.count, plan.limit))
    if (hits.length === 0) throw NO_MATCHES()
    let ordered = hits.map((h) => ({ record: h.record, pos: plan.sort ? [sortValue(h.record, plan.sort), ...h.key] : h.key }))
    if (plan.sort) ordered.sort((a, b) => comparePosition(a.pos, b.pos, plan.sort!.desc))
    if (plan.after) ordered = ordered.filter((o) => comparePosition(o.pos, plan.after!, plan.sort?.desc) > 0)
    const page = ordered.slice(plan.skip, plan.skip + plan.limit).map((o) => o.record)
    return searchEnvelope(lastUpdated, plan.skip, plan.limit, hits.length, page)
  }
}

/**
 * openFDA's count: per term, how many matching records have it. Non-exact fields count tokens,
 * `.exact` fields whole values (empty values are not terms); most frequent first, then by term.
 * Date fields answer a day-by-day series `{ time: 'YYYYMMDD', count }`, oldest first.
 */
export function countTerms(records: Rec[], count: NonNullable<Plan['count']>, limit: number): unknown[] {
  const counts = new Map<string, number>()
  const isDate = count.field.kind === 'date'
  for (const r of records) {
    const vals = texts(r, count.field)
    const terms = new Set<string>()
    for (const v of vals) {
      if (isDate) {
        const d = parseOpenFdaDate(v)
        if (d) terms.add(d)
      } else if (count.exact) {
        if (v !== '') terms.add(v)
      } else for (const t of tokens(v)) terms.add(t)
    }
    for (const t of terms) counts.set(t, (counts.get(t) ?? 0) + 1)
  }
  if (counts.size === 0) throw NO_MATCHES()
  if (isDate) return [...counts.entries()].sort(([a], [b]) => cmpText(a, b)).map(([time, n]) => ({ time: compactDate(time), count: n }))
  return [...counts.entries()]
    .sort(([a, x], [b, y]) => y - x || cmpText(a, b))
    .slice(0, limit)
    .map(([term, n]) => ({ term, count: n }))
}
