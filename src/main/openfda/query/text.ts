import { parseOpenFdaDate } from '../dates'

/**
 * Matching rules shared by the engines, written once so that the JavaScript engine and the SQL the
 * SQL engine generates agree exactly:
 * - a non-exact field is a sequence of tokens: runs of ASCII letters and digits, lower-cased
 *   (anything else separates tokens; the SQL uses the same explicit `[a-z0-9]` classes, never the
 *   locale's `[[:alnum:]]`, so both engines cut text identically);
 * - `.exact` compares the whole value, case-sensitively;
 * - a path steps through arrays at every level, so an array matches when any element matches.
 */
export function tokens(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter((t) => t !== '')
}

/** A query word as tokens; `*` inside a word is a wildcard (zero or more letters or digits). */
export function queryTokens(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9*]+/).filter((t) => t !== '' && t !== '*'.repeat(t.length))
}

/** Scalar leaves at a dotted path, arrays flattened at every step (objects are not leaves). */
export function leavesAt(record: unknown, path: readonly string[]): unknown[] {
  let cur: unknown[] = [record]
  for (const seg of path) {
    const next: unknown[] = []
    for (const v of cur) {
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const child = (v as Record<string, unknown>)[seg]
        if (Array.isArray(child)) next.push(...child)
        else if (child !== undefined) next.push(child)
      }
    }
    cur = next
  }
  return cur
}

/** The text of a scalar leaf (string, number, boolean); null for null, objects and arrays. */
export function leafText(v: unknown): string | null {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return null
}

/** Every scalar leaf of a record (a search without a field looks in all of them). */
export function allLeaves(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) allLeaves(x, out)
  else if (v && typeof v === 'object') for (const x of Object.values(v)) allLeaves(x, out)
  else {
    const t = leafText(v)
    if (t !== null) out.push(t)
  }
  return out
}

/** Whether the value's tokens contain the query tokens consecutively (wildcards per token). */
export function tokensMatch(valueTokens: string[], query: string[]): boolean {
  if (query.length === 0) return false
  const res = query.map((q) => (q.includes('*') ? new RegExp(`^${q.replace(/\*/g, '[a-z0-9]*')}$`) : q))
  const eq = (v: string, q: string | RegExp) => (typeof q === 'string' ? v === q : q.test(v))
  outer: for (let i = 0; i + query.length <= valueTokens.length; i++) {
    for (let j = 0; j < res.length; j++) if (!eq(valueTokens[i + j], res[j])) continue outer
    return true
  }
  return false
}

/** The same test as a POSIX regular expression over the lower-cased whole value (for PostgreSQL). */
export function tokensRegex(query: string[]): string {
  const body = query.map((q) => q.replace(/\*/g, '[a-z0-9]*')).join('[^a-z0-9]+')
  return `(^|[^a-z0-9])${body}($|[^a-z0-9])`
}

/** A whole-value wildcard pattern (for `.exact`) as an anchored regular expression, case-sensitive. */
export function exactWildcardRegex(pattern: string, flavour: 'js' | 'pg'): string {
  const esc = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  return `^${esc.join(flavour === 'js' ? '[\\s\\S]*' : '.*')}$`
}

/** openFDA query dates: YYYYMMDD or YYYY-MM-DD, as ISO; null when it is not a calendar date. */
export function queryDate(text: string): string | null {
  return /^\d{8}$|^\d{4}-\d{2}-\d{2}$/.test(text) ? parseOpenFdaDate(text) : null
}

export { parseOpenFdaDate }
