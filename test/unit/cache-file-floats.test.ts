import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readInput, type ReadEvent } from '../../src/main/importer/read-file'
import { classify } from '../../src/main/importer/sources'

const dir = mkdtempSync(join(tmpdir(), 'fda-floats-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A cache file written by Python itself from JSON text, so floats such as 1.0 keep Python's form. */
function pythonFile(name: string, dataText: string): string {
  const path = join(dir, name)
  const script = `import hashlib, json, sys
data = json.loads(sys.stdin.read())
env = {"_integrity_version": "1.0", "_checksum_algorithm": "sha256",
  "_checksum": hashlib.sha256(json.dumps(data, sort_keys=True, separators=(',', ':')).encode()).hexdigest(),
  "_cached_at": 1700000000.5, "data": data}
with open(${JSON.stringify(path)}, "w") as f: json.dump(env, f)`
  execFileSync('python3', ['-c', script], { input: dataText })
  return path
}

async function events(path: string): Promise<ReadEvent[]> {
  const out: ReadEvent[] = []
  for await (const e of readInput(classify(path, null), null)) out.push(e)
  return out
}

describe("cache files whose numbers Python printed as floats", () => {
  const data = '{"meta":{"results":{"total":2}},"results":[{"k_number":"K1","device_name":"A","weight":1.0,"ratio":2.5},{"k_number":"K2","device_name":"B","big":12345678901234567890}]}'

  it('verify against the envelope checksum (1.0 is not 1 to Python) and pass every record on', async () => {
    const ev = await events(pythonFile('00000000000000f1.json', data))
    expect(ev[0]).toMatchObject({ type: 'file', checksum: 'verified', endpoint: '510k', cachedAt: 1700000000.5 })
    expect(ev.filter((e) => e.type === 'record')).toHaveLength(2)
  })

  it('still reject a file whose content was changed after the checksum', async () => {
    const path = pythonFile('00000000000000f2.json', data)
    writeFileSync(path, readFileSync(path, 'utf8').replace('"A"', '"Z"'))
    const ev = await events(path)
    expect(ev[0]).toMatchObject({ type: 'file-reject', reason: expect.stringMatching(/envelope checksum mismatch/) })
  })

  it('know the cached time from the first bytes, for the load order', () => {
    expect(classify(pythonFile('00000000000000f3.json', data), null).cachedAtInHead).toBe(1700000000.5)
  })
})
