import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Writes a file as the earlier Python tool did, checksum made by Python itself (json.dumps sort_keys). */
export function pythonCacheFile(dir: string, name: string, data: unknown, cachedAt: number, opts: { legacy?: boolean } = {}): string {
  mkdirSync(dir, { recursive: true })
  const path = join(dir, name)
  const script = `
import hashlib, json, sys
data = json.loads(sys.stdin.read())
legacy = ${opts.legacy ? 'True' : 'False'}
env = {"_cached_at": ${cachedAt}, "data": data} if legacy else {
  "_integrity_version": "1.0", "_checksum_algorithm": "sha256",
  "_checksum": hashlib.sha256(json.dumps(data, sort_keys=True, separators=(',', ':')).encode()).hexdigest(),
  "_cached_at": ${cachedAt}, "data": data}
with open(${JSON.stringify(path)}, "w") as f: json.dump(env, f)
`
  execFileSync('python3', ['-c', script], { input: JSON.stringify(data) })
  return path
}

export const envelope = (results: unknown[]) => ({ meta: { results: { skip: 0, limit: results.length, total: results.length } }, results })

export function writeRaw(dir: string, name: string, text: string | Buffer): string {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, name), text)
  return join(dir, name)
}
