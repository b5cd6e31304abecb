import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hasFloatTokens, parseKeepingNumbers, pyCanonical, pyFloat } from '../../src/main/importer/python-json'

/** What Python itself prints: json.dumps(json.loads(text), sort_keys=True, separators=(',', ':')). */
function python(text: string): string {
  return execFileSync('python3', ['-c', "import json,sys; sys.stdout.write(json.dumps(json.loads(sys.stdin.read()), sort_keys=True, separators=(',',':')))"], { input: text }).toString()
}

const CASES = [
  '{"b":1,"a":[true,false,null],"C":"x","é":"café","":0}',
  '{"s":"quote \\" backslash \\\\ tab \\t nl \\n cr \\r bell \\u0007 del \\u007f nbsp \\u00a0 cjk \\u4e2d emoji \\ud83d\\ude00"}',
  '{"floats":[1.0,0.1,1e16,1.5e-7,123456789.123,-0.0,0.0001,0.00001,2.5e+300,1E2,3.14159265358979,100.0,1e22]}',
  '{"ints":[0,-0,12345678901234567890,-42,9007199254740993]}',
  '{"nested":{"z":{"y":[{"b":2,"a":1}]},"a":{}},"empty":[]}',
  '{"keys":{"b":1,"B":2,"_":3,"a1":4,"a":5,"\\u00e9":6,"\\ud83d\\ude00":7,"\\uffff":8}}',
  // Keys a JavaScript object would reorder, a key that is special to JavaScript, a lone surrogate
  '{"10":1,"9":2,"a":3,"01":4,"4294967295":5}',
  '{"__proto__":{"x":1},"constructor":2,"lone":"\\udc00 and \\ud800x","ctl":"\\u0001\\u001f\\b\\f"}'
]

describe("Python's json.dumps(sort_keys=True, separators=(',', ':'))", () => {
  it.each(CASES)('matches Python for %s', (text) => {
    expect(pyCanonical(parseKeepingNumbers(text))).toBe(python(text))
  })

  it('JSON.parse output is enough when the text has no float tokens', () => {
    for (const text of CASES.filter((t) => !hasFloatTokens(t))) expect(pyCanonical(JSON.parse(text))).toBe(python(text))
    expect(hasFloatTokens(CASES[2])).toBe(true)
    expect(hasFloatTokens(CASES[3])).toBe(true) // integers beyond 2^53 lose digits in JSON.parse
    expect(hasFloatTokens('{"a":"1.5 mm","b":2}')).toBe(false) // numbers inside strings do not count
  })

  it('formats floats as repr does', () => {
    const xs = [0.1, 1 / 3, 1e-5, 123456.789, 1e16, 12345678.9, 5e-324, 1.7976931348623157e308]
    const py = execFileSync('python3', ['-c', `print(",".join(repr(float(x)) for x in [${xs.map((x) => `'${x}'`).join(',')}]))`]).toString().trim()
    expect(xs.map(pyFloat).join(',')).toBe(py)
  })

  it("verifies the bundled sample cache's envelope checksums (made by Python)", () => {
    const dir = join(__dirname, '../../resources/sample-cache')
    const files = readdirSync(dir).filter((f) => /^[0-9a-f]{16}\.json$/.test(f))
    expect(files).toHaveLength(7)
    for (const f of files) {
      const doc = JSON.parse(readFileSync(join(dir, f), 'utf8'))
      expect(createHash('sha256').update(pyCanonical(doc.data)).digest('hex'), f).toBe(doc._checksum)
    }
  })
})
