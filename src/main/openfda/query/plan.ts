import { ENDPOINT_DEFS, type Endpoint } from '../endpoints'
import { FIELD_CATALOG, type FieldKind } from './field-catalog'
import { invalid, parseSearch, type Node, type Value } from './parse'
import { exactWildcardRegex, queryDate, queryTokens } from './text'
import { OpenFdaQueryError, type OpenFdaParams } from './types'

/** openFDA's own bounds. */
export const LIMITS = { maxLimit: 1000, maxSkip: 25_000, defaultSearchLimit: 1, defaultCountLimit: 1000 } as const

export interface Field {
  /** As openFDA names it, without `.exact`. */
  name: string
  path: string[]
  kind: FieldKind
  /** False for a name the endpoint's field definitions do not have: it matches nothing. */
  known: boolean
}

/** The search as predicates over resolved fields: what both engines evaluate. */
export type Pred =
  | { p: 'all' }
  | { p: 'none' }
  | { p: 'and' | 'or'; children: Pred[] }
  | { p: 'not'; child: Pred }
  /** Non-exact: the query tokens appear consecutively among a value's tokens. `field` null: any leaf. */
  | { p: 'tokens'; field: Field | null; tokens: string[] }
  /** `.exact`: a whole value equals the text. */
  | { p: 'equals'; field: Field; text: string }
  /** `.exact` with `*`: a whole value matches the pattern (regexes for both engines). */
  | { p: 'pattern'; field: Field; js: string; pg: string }
  /** Dates as ISO YYYY-MM-DD; a single date is [d TO d]. */
  | { p: 'dateRange'; field: Field; lo: string | null; hi: string | null; loInclusive: boolean; hiInclusive: boolean }
  /** Other ranges compare whole values by code point. */
  | { p: 'textRange'; field: Field; lo: string | null; hi: string | null; loInclusive: boolean; hiInclusive: boolean }
  | { p: 'exists'; field: Field }

export interface Plan {
  endpoint: Endpoint
  pred: Pred
  count?: { field: Field; exact: boolean }
  sort?: { field: Field; desc: boolean }
  limit: number
  skip: number
  /** Decoded search_after cursor: [sort value?, ...key values]. */
  after?: (string | null)[]
}

export function resolveField(endpoint: Endpoint, raw: string): { field: Field; exact: boolean } {
  const exact = raw.endsWith('.exact')
  const name = exact ? raw.slice(0, -'.exact'.length) : raw
  const kind = FIELD_CATALOG[endpoint][name]
  return { field: { name, path: name.split('.'), kind: kind ?? 'string', known: kind !== undefined }, exact }
}

function toPred(endpoint: Endpoint, n: Node): Pred {
  switch (n.type) {
    case 'all':
      return { p: 'all' }
    case 'and':
    case 'or':
      return { p: n.type, children: n.children.map((c) => toPred(endpoint, c)) }
    case 'not':
      return { p: 'not', child: toPred(endpoint, n.child) }
    case 'exists': {
      const { field } = resolveField(endpoint, n.field)
      return field.known ? { p: 'exists', field } : { p: 'none' }
    }
    case 'term':
      return termPred(endpoint, n.field, n.value)
  }
}

function termPred(endpoint: Endpoint, rawField: string | null, v: Value): Pred {
  if (rawField === null) {
    if (v.kind === 'range') throw invalid('Invalid search: a range needs a field, as in date_received:[20040101 TO 20081231]')
    const t = queryTokens(v.text)
    return t.length ? { p: 'tokens', field: null, tokens: t } : { p: 'none' }
  }
  const { field, exact } = resolveField(endpoint, rawField)
  if (!field.known) return { p: 'none' } // as openFDA: a field it does not have matches nothing
  if (field.kind === 'date') {
    const date = (s: string | null) => {
      if (s === null) return null
      const d = queryDate(s)
      if (!d) throw invalid(`Invalid search: '${s}' is not a date for ${field.name} (use YYYYMMDD or YYYY-MM-DD)`)
      return d
    }
    if (v.kind === 'range') return { p: 'dateRange', field, lo: date(v.lo), hi: date(v.hi), loInclusive: v.loInclusive, hiInclusive: v.hiInclusive }
    if (v.kind === 'word' && v.wildcard) throw invalid(`Invalid search: wildcards do not apply to the date field ${field.name}`)
    const d = date(v.text)
    return { p: 'dateRange', field, lo: d, hi: d, loInclusive: true, hiInclusive: true }
  }
  if (v.kind === 'range') return { p: 'textRange', field, lo: v.lo, hi: v.hi, loInclusive: v.loInclusive, hiInclusive: v.hiInclusive }
  if (exact) {
    if (v.kind === 'word' && v.wildcard) {
      if (v.text === '*') return { p: 'exists', field }
      return { p: 'pattern', field, js: exactWildcardRegex(v.text, 'js'), pg: exactWildcardRegex(v.text, 'pg') }
    }
    return { p: 'equals', field, text: v.text }
  }
  if (v.kind === 'word' && v.text === '*') return { p: 'exists', field }
  const t = queryTokens(v.text)
  return t.length ? { p: 'tokens', field, tokens: t } : { p: 'none' }
}

function intParam(name: string, v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined
  const n = typeof v === 'number' ? v : /^\s*-?\d+\s*$/.test(String(v)) ? Number(v) : NaN
  if (!Number.isSafeInteger(n)) throw invalid(`Invalid ${name}: '${String(v).slice(0, 40)}' is not a whole number`)
  return n
}

/** Validates the parameters as openFDA does and resolves every field; throws OpenFdaQueryError. */
export function planQuery(endpoint: Endpoint, params: OpenFdaParams): Plan {
  if (!(endpoint in ENDPOINT_DEFS)) throw new OpenFdaQueryError(404, 'NOT_FOUND', 'No matches found!')
  const pred = toPred(endpoint, parseSearch(params.search))
  const limit = intParam('limit', params.limit)
  const skip = intParam('skip', params.skip) ?? 0
  if (skip < 0) throw invalid('Invalid skip: it must be 0 or more.')
  if (skip > LIMITS.maxSkip) throw invalid('Skip value must 25000 or less.')
  if (limit !== undefined && limit < 0) throw invalid('Invalid limit: it must be 0 or more.')
  if (params.count !== undefined && params.count !== '') {
    const count = params.count.trim()
    if (count.length > 200 || !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/.test(count)) throw invalid(`Invalid count field: '${count.slice(0, 60)}'`)
    if (limit !== undefined && limit > LIMITS.maxLimit) throw invalid('Limit cannot exceed 1000 results for count requests.')
    const { field, exact } = resolveField(endpoint, count)
    if (!field.known) throw new OpenFdaQueryError(404, 'NOT_FOUND', 'No matches found!')
    return { endpoint, pred, count: { field, exact }, limit: limit ?? LIMITS.defaultCountLimit, skip: 0 }
  }
  if (limit !== undefined && limit > LIMITS.maxLimit) throw invalid('Limit cannot exceed 1000 results for search requests. Use the skip or search_after param to get additional results.')
  let sort: Plan['sort']
  if (params.sort) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*):(asc|desc)$/.exec(params.sort.trim())
    if (!m) throw invalid(`Invalid sort: '${params.sort.slice(0, 60)}' (use field:asc or field:desc)`)
    const { field } = resolveField(endpoint, m[1])
    if (!field.known) throw invalid(`Invalid sort: ${field.name} is not a field of device/${endpoint}`)
    sort = { field, desc: m[2] === 'desc' }
  }
  let after: Plan['after']
  if (params.search_after) {
    if (skip > 0) throw invalid('Invalid search_after: skip and search_after cannot be used together.')
    after = decodeCursor(params.search_after, ENDPOINT_DEFS[endpoint].keyColumns.length + (sort ? 1 : 0))
  }
  return { endpoint, pred, sort, limit: limit ?? LIMITS.defaultSearchLimit, skip, after }
}

/** search_after cursors are opaque to clients: the last record's sort value and key. */
export function encodeCursor(values: (string | null)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url')
}

export function decodeCursor(text: string, expected: number): (string | null)[] {
  const bad = () => invalid('Invalid search_after: use the value from the previous page\'s Link header.')
  if (text.length > 2000 || !/^[A-Za-z0-9_-]+$/.test(text)) throw bad()
  let v: unknown
  try {
    v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    throw bad()
  }
  if (!Array.isArray(v) || v.length !== expected || !v.every((x) => x === null || typeof x === 'string')) throw bad()
  return v as (string | null)[]
}

export const NO_MATCHES = (): OpenFdaQueryError => new OpenFdaQueryError(404, 'NOT_FOUND', 'No matches found!')
