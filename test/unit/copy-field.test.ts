import { describe, expect, it } from 'vitest'
import { copyField } from '../../src/main/db/bulk-load'

// COPY's text format, read back the way PostgreSQL reads it (the escapes copyField may emit).
const readBack = (field: string): string | null =>
  field === '\\N' ? null : field.replace(/\\(.)/g, (_m, c: string) => ({ t: '\t', n: '\n', r: '\r', '\\': '\\' })[c] ?? c)

describe('copyField', () => {
  it('escapes backslash, tab, newline and carriage return, so every value reads back as it was', () => {
    const values = ['plain', '', '{"a":"say \\"hi\\"","b":"\\u00e9"}', 'tab\there', 'line\nbreak', 'cr\r', '\\', '\\\\t', 'a\\nb', '\t\n\r\\']
    for (const v of values) {
      const field = copyField(v)
      expect(field).not.toMatch(/[\t\n\r]/)
      expect(readBack(field)).toBe(v)
    }
    expect(copyField('a\\b')).toBe('a\\\\b')
  })

  it('writes NULL as \\N, and a text "\\N" so that it stays text', () => {
    expect(copyField(null)).toBe('\\N')
    expect(readBack(copyField('\\N'))).toBe('\\N')
  })
})
