import { describe, expect, it } from 'vitest'
import { unstorable } from '../../src/main/importer/load-file'
import { pyCanonical } from '../../src/main/importer/python-json'

describe('records PostgreSQL cannot store in jsonb', () => {
  const cases: [string, unknown, RegExp | null][] = [
    ['plain text', { a: 'café ✓' }, null],
    ['an emoji (a surrogate pair)', { a: 'smile 😀 end' }, null],
    ['a NUL character', { a: 'x\u0000y' }, /NUL character/],
    ['a lone high surrogate', { a: 'x\ud800y' }, /unpaired UTF-16 surrogate \(\\ud800\)/],
    ['a lone low surrogate', { a: 'x\udc00y' }, /unpaired UTF-16 surrogate \(\\udc00\)/],
    ['a low surrogate before a high one', { a: '\udc00\ud800' }, /unpaired/],
    ['a literal backslash-u text', { a: 'see \\u0000 and \\ud800' }, null]
  ]
  it.each(cases)('%s: same verdict from JSON.stringify text and from the canonical text', (_, value, expected) => {
    for (const verdict of [unstorable(JSON.stringify(value)), unstorable(pyCanonical(value), true)]) {
      if (expected) expect(verdict).toMatch(expected)
      else expect(verdict).toBeNull()
    }
  })
})
