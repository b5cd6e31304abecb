import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Writes one standalone benchmark's results as `<dir>/<name>-<at>.json` (colons out of the name) and says where. */
export function saveBenchResults(dir: string, name: string, results: { at?: unknown }, log: (line: string) => void): string {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${name}-${String(results.at)}.json`.replace(/:/g, '-'))
  writeFileSync(file, JSON.stringify(results, null, 2))
  log(`results written to ${file}`)
  return file
}
