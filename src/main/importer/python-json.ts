/**
 * Python's `json.dumps(value, sort_keys=True, separators=(',', ':'))` with its other defaults
 * (`ensure_ascii=True`, `repr` for floats), reproduced exactly. The earlier tool's cache envelope
 * checksum is the SHA-256 of that text, and record checksums use the same canonical form.
 *
 * Values come from JSON.parse, which cannot tell 1.0 from 1: `hasFloatTokens` finds files whose
 * float tokens make that matter, and those are parsed with `parseKeepingNumbers` instead, which
 * keeps each number's kind.
 */

/** A number as Python saw it: an int, or a float (printed with repr). */
export class PyNumber {
  constructor(
    readonly value: number,
    readonly isFloat: boolean,
    readonly raw: string
  ) {}
}

// Python escapes everything outside printable ASCII (space to tilde): DEL and all non-ASCII.
const NON_ASCII = /[\u007f-\uffff]/g
const hex4 = (c: string): string => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')

/** ensure_ascii: JSON.stringify's escapes are Python's for ASCII; DEL and everything above becomes \uXXXX. */
export function pyString(s: string): string {
  return JSON.stringify(s).replace(NON_ASCII, hex4)
}

/** Python's float repr: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const [mant, expText] = x.toExponential().split('e') // shortest round-trip digits, like repr
  const exp = Number(expText)
  const neg = mant.startsWith('-')
  const digits = mant.replace('-', '').replace('.', '')
  let out: string
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
    out = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`
  } else if (exp < 0) {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`
  } else if (digits.length > exp + 1) {
    out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`
  } else {
    out = `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`
  }
  return neg ? `-${out}` : out
}

const byCodePoint = (a: string, b: string): number => {
  // Python sorts str by code point; JS by UTF-16 unit. They differ only around surrogates.
  if (!/[\ud800-\udfff]/.test(a + b)) return a < b ? -1 : a > b ? 1 : 0
  const x = [...a].map((c) => c.codePointAt(0)!)
  const y = [...b].map((c) => c.codePointAt(0)!)
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i]
  return x.length - y.length
}

/** The canonical text of a value (JSON.parse output, or parseKeepingNumbers output with PyNumber). */
export function pyCanonical(v: unknown): string {
  const sorted = sortedForStringify(v)
  if (sorted === SLOW) return pyCanonicalSlow(v)
  // JSON.stringify writes what Python writes for these values, except that Python also escapes DEL
  // and everything above ASCII; one pass over the whole text is much cheaper than one per string.
  const text = JSON.stringify(sorted)
  return NON_ASCII_TEST.test(text) ? text.replace(NON_ASCII, hex4) : text
}

const SLOW = Symbol('slow')
const NON_ASCII_TEST = /[\u007f-\uffff]/
// Keys JavaScript would put first whatever their place (array-index-like keys), or surrogates.
const ODD_KEY = /^(?:0|[1-9]\d{0,9})$|[\ud800-\udfff]/

/**
 * A copy with every object's keys in Python's order, for JSON.stringify; SLOW when the value holds
 * something JSON.stringify would print differently from Python (floats, huge integers, PyNumber)
 * or keys whose order a JavaScript object cannot keep. About three times faster than walking it.
 */
function sortedForStringify(v: unknown): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : SLOW
  if (typeof v !== 'object' || v instanceof PyNumber) return SLOW
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length)
    for (let i = 0; i < v.length; i++) {
      const x = sortedForStringify(v[i])
      if (x === SLOW) return SLOW
      out[i] = x
    }
    return out
  }
  const o = v as Record<string, unknown>
  const keys = Object.keys(o)
  for (const k of keys) if (ODD_KEY.test(k)) return SLOW
  keys.sort()
  const out = Object.create(null) as Record<string, unknown>
  for (const k of keys) {
    const x = sortedForStringify(o[k])
    if (x === SLOW) return SLOW
    out[k] = x
  }
  return out
}

/** The same, walking the value: for floats (Python's repr), PyNumber and unusual keys. */
function pyCanonicalSlow(v: unknown): string {
  if (v === null) return 'null'
  switch (typeof v) {
    case 'string':
      return pyString(v)
    case 'boolean':
      return v ? 'true' : 'false'
    case 'number':
      return Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER ? String(v) : pyFloat(v)
    case 'object': {
      if (v instanceof PyNumber) return v.isFloat ? pyFloat(v.value) : v.raw.replace(/^-0$/, '0')
      if (Array.isArray(v)) return '[' + v.map(pyCanonicalSlow).join(',') + ']'
      const o = v as Record<string, unknown>
      const keys = Object.keys(o).sort(byCodePoint)
      let out = '{'
      for (let i = 0; i < keys.length; i++) out += (i ? ',' : '') + pyString(keys[i]) + ':' + pyCanonicalSlow(o[keys[i]])
      return out + '}'
    }
    default:
      throw new TypeError(`cannot serialise a ${typeof v}`)
  }
}

// A number token outside strings: strings are matched first and skipped.
const TOKENS = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g

/**
 * True when the text has a float token (1.0, 2e3) or an integer too large for a double: then
 * JSON.parse would change how Python printed it, and parseKeepingNumbers must be used.
 */
export function hasFloatTokens(text: string): boolean {
  TOKENS.lastIndex = 0
  for (let m = TOKENS.exec(text); m; m = TOKENS.exec(text)) {
    const t = m[0]
    if (t.charCodeAt(0) === 34) continue // a string
    if (/[.eE]/.test(t) || t.replace('-', '').length > 15) return true
  }
  return false
}

/** JSON.parse, but every number becomes a PyNumber that remembers whether it was a float. */
export function parseKeepingNumbers(text: string): unknown {
  let i = 0
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++
  }
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at byte offset ${i}`)
  }
  const value = (): unknown => {
    ws()
    const c = text[i]
    if (c === '{') {
      i++
      const o = Object.create(null) as Record<string, unknown> // so a "__proto__" key stays a key
      ws()
      if (text[i] === '}') return i++, o
      for (;;) {
        ws()
        if (text[i] !== '"') fail('expected a key')
        const k = str()
        ws()
        if (text[i++] !== ':') fail('expected ":"')
        o[k] = value()
        ws()
        if (text[i] === ',') i++
        else if (text[i] === '}') return i++, o
        else fail('expected "," or "}"')
      }
    }
    if (c === '[') {
      i++
      const a: unknown[] = []
      ws()
      if (text[i] === ']') return i++, a
      for (;;) {
        a.push(value())
        ws()
        if (text[i] === ',') i++
        else if (text[i] === ']') return i++, a
        else fail('expected "," or "]"')
      }
    }
    if (c === '"') return str()
    if (text.startsWith('true', i)) return (i += 4), true
    if (text.startsWith('false', i)) return (i += 5), false
    if (text.startsWith('null', i)) return (i += 4), null
    const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400))
    if (!m) fail('unexpected character')
    i += m![0].length
    return new PyNumber(Number(m![0]), Boolean(m![1] || m![2]), m![0])
  }
  const str = (): string => {
    const start = i
    i++
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1
    if (i >= text.length) fail('unterminated string')
    i++
    return JSON.parse(text.slice(start, i)) as string
  }
  const v = value()
  ws()
  if (i !== text.length) fail('unexpected text after the JSON value')
  return v
}

/** PyNumber → number, for the records that are loaded (their JSON keeps numbers as numbers). */
export function plain(v: unknown): unknown {
  if (v instanceof PyNumber) return v.value
  if (Array.isArray(v)) return v.map(plain)
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
  return v
}
