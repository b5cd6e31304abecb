import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * A file of the built bundle (out/main/NAME), found from the running bundle whether this code sits
 * in an entry or in a chunk; null when the code runs from source (the unit and integration tests).
 */
export function builtScript(name: string): string | null {
  for (const rel of [`./${name}`, `../${name}`]) {
    const path = fileURLToPath(new URL(rel, import.meta.url))
    if (existsSync(path)) return path
  }
  return null
}
