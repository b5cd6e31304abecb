import { OpenFdaQueryError } from './types'

/**
 * openFDA's `search` syntax (a subset of Lucene's query_string, as open.fda.gov documents it) as a
 * tree. Parsing knows nothing of endpoints or fields; `plan.ts` resolves fields against the catalog.
 *
 *   field:value   field:"a phrase"   field:(a OR b)   field.exact:"Whole Value"
 *   a AND b   a OR b   a b (a space is OR)   NOT a   -a   (grouping)
 *   field:[20040101 TO 20081231]   {a TO b} (exclusive)   [2004-01-01 TO *]
 *   _exists_:field   field:child*  (wildcard `*`)   `+` is a space outside quotes
 */
export type Value =
  | { kind: 'word'; text: string; wildcard: boolean }
  | { kind: 'phrase'; text: string }
  | { kind: 'range'; lo: string | null; hi: string | null; loInclusive: boolean; hiInclusive: boolean }

export type Node =
  | { type: 'all' }
  | { type: 'and'; children: Node[] }
  | { type: 'or'; children: Node[] }
  | { type: 'not'; child: Node }
  /** `field` null: any field (openFDA searches every field when none is named). */
  | { type: 'term'; field: string | null; value: Value }
  | { type: 'exists'; field: string }

/** Bounds that keep one query's work (and its SQL) small whatever a client sends. */
export const SEARCH_LIMITS = { maxLength: 4000, maxTerms: 64, maxDepth: 16 } as const

export function invalid(message: string): OpenFdaQueryError {
  return new OpenFdaQueryError(400, 'BAD_REQUEST', message)
}

type Tok =
  | { t: 'lp' | 'rp' | 'and' | 'or' | 'not' | 'minus'; at: number }
  | { t: 'field'; name: string; at: number }
  | { t: 'value'; value: Value; at: number }

const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/

function lex(src: string): Tok[] {
  const out: Tok[] = []
  let i = 0
  const isSpace = (c: string) => c === ' ' || c === '+' || c === '\t' || c === '\n' || c === '\r'
  while (i < src.length) {
    const c = src[i]
    if (isSpace(c)) {
      i++
      continue
    }
    const at = i
    if (c === '(') {
      out.push({ t: 'lp', at })
      i++
    } else if (c === ')') {
      out.push({ t: 'rp', at })
      i++
    } else if (c === '"') {
      let text = ''
      i++
      while (i < src.length && src[i] !== '"') {
        if (src[i] === '\\' && i + 1 < src.length) i++
        text += src[i++]
      }
      if (i >= src.length) throw invalid(`Invalid search: unclosed quote opened at character ${at + 1}`)
      i++
      out.push({ t: 'value', value: { kind: 'phrase', text }, at })
    } else if (c === '[' || c === '{') {
      const close = src.slice(i + 1).search(/[\]}]/)
      if (close < 0) throw invalid(`Invalid search: unclosed range opened at character ${at + 1}`)
      const end = i + 1 + close
      const inner = src.slice(i + 1, end).replace(/\+/g, ' ').trim()
      const m = /^(\S+)\s+TO\s+(\S+)$/.exec(inner)
      if (!m) throw invalid(`Invalid search: a range is written [FROM TO TO] (at character ${at + 1})`)
      const bound = (s: string) => (s === '*' ? null : s.replace(/^"(.*)"$/, '$1'))
      out.push({ t: 'value', value: { kind: 'range', lo: bound(m[1]), hi: bound(m[2]), loInclusive: c === '[', hiInclusive: src[end] === ']' }, at })
      i = end + 1
    } else if (c === '-' && (i === 0 || isSpace(src[i - 1]) || src[i - 1] === '(') && i + 1 < src.length && !isSpace(src[i + 1])) {
      out.push({ t: 'minus', at })
      i++
    } else {
      // A bare word, up to a space or a parenthesis (`\` escapes the next character); `name:` before it is a field.
      let text = ''
      let wildcard = false
      let escaped = false
      let field = false
      while (i < src.length && !isSpace(src[i]) && src[i] !== '(' && src[i] !== ')' && src[i] !== '"') {
        if (src[i] === '\\' && i + 1 < src.length) {
          escaped = true
          text += src[i + 1]
          i += 2
          continue
        }
        if (src[i] === ':' && !escaped && FIELD.test(text)) {
          field = true
          i++
          break
        }
        if (src[i] === '*') wildcard = true
        text += src[i++]
      }
      if (field) out.push({ t: 'field', name: text, at })
      else if (text === 'AND' || text === '&&') out.push({ t: 'and', at })
      else if (text === 'OR' || text === '||') out.push({ t: 'or', at })
      else if (text === 'NOT') out.push({ t: 'not', at })
      else if (text !== '') out.push({ t: 'value', value: { kind: 'word', text, wildcard }, at })
      else throw invalid(`Invalid search: unexpected character '${src[i]}' at character ${i + 1}`)
    }
  }
  return out
}

/** Parses a `search` value. An empty or missing search matches every record. */
export function parseSearch(input: string | undefined | null): Node {
  const src = input ?? ''
  if (src.length > SEARCH_LIMITS.maxLength) throw invalid(`Invalid search: longer than ${SEARCH_LIMITS.maxLength} characters`)
  if (src.trim().replace(/\+/g, '') === '') return { type: 'all' }
  const toks = lex(src)
  let pos = 0
  let terms = 0
  const peek = () => toks[pos]
  const where = (t?: Tok) => (t ? `at character ${t.at + 1}` : 'at the end')

  function orExpr(field: string | null, depth: number): Node {
    if (depth > SEARCH_LIMITS.maxDepth) throw invalid(`Invalid search: nested deeper than ${SEARCH_LIMITS.maxDepth} levels`)
    const parts = [andExpr(field, depth)]
    for (;;) {
      const t = peek()
      if (!t || t.t === 'rp') break
      if (t.t === 'or') pos++
      if (t.t === 'and') throw invalid(`Invalid search: AND without a left-hand side ${where(t)}`)
      parts.push(andExpr(field, depth)) // a space between clauses is OR, as in openFDA
    }
    return parts.length === 1 ? parts[0] : { type: 'or', children: parts }
  }
  function andExpr(field: string | null, depth: number): Node {
    const parts = [unary(field, depth)]
    while (peek()?.t === 'and') {
      pos++
      parts.push(unary(field, depth))
    }
    return parts.length === 1 ? parts[0] : { type: 'and', children: parts }
  }
  function unary(field: string | null, depth: number): Node {
    const t = peek()
    if (t && (t.t === 'not' || t.t === 'minus')) {
      pos++
      return { type: 'not', child: unary(field, depth) }
    }
    return primary(field, depth)
  }
  function primary(field: string | null, depth: number): Node {
    const t = peek()
    if (!t) throw invalid(`Invalid search: a term is missing ${where(t)}`)
    if (t.t === 'lp') {
      pos++
      const inner = orExpr(field, depth + 1)
      if (peek()?.t !== 'rp') throw invalid(`Invalid search: missing ')' for the '(' at character ${t.at + 1}`)
      pos++
      return inner
    }
    if (t.t === 'field') {
      if (field !== null) throw invalid(`Invalid search: field ${t.name} inside the group of another field ${where(t)}`)
      pos++
      const next = peek()
      if (t.name === '_exists_') {
        if (!next || next.t !== 'value' || next.value.kind === 'range') throw invalid(`Invalid search: _exists_ needs a field name ${where(next)}`)
        pos++
        const name = next.value.text
        if (!FIELD.test(name)) throw invalid(`Invalid search: '${name}' is not a field name ${where(next)}`)
        count(next)
        return { type: 'exists', field: name }
      }
      if (!next || next.t === 'rp' || next.t === 'and' || next.t === 'or') throw invalid(`Invalid search: ${t.name}: has no value ${where(next)}`)
      if (next.t === 'lp') return primary(t.name, depth)
      if (next.t === 'not' || next.t === 'minus') return unary(t.name, depth)
      return primary(t.name, depth)
    }
    if (t.t === 'value') {
      pos++
      count(t)
      return { type: 'term', field, value: t.value }
    }
    if (t.t === 'rp') throw invalid(`Invalid search: unexpected ')' ${where(t)}`)
    throw invalid(`Invalid search: unexpected ${t.t.toUpperCase()} ${where(t)}`)
  }
  function count(t: Tok) {
    if (++terms > SEARCH_LIMITS.maxTerms) throw invalid(`Invalid search: more than ${SEARCH_LIMITS.maxTerms} terms ${where(t)}`)
  }

  const tree = orExpr(null, 0)
  if (pos < toks.length) throw invalid(`Invalid search: unexpected ')' ${where(toks[pos])}`)
  return tree
}
