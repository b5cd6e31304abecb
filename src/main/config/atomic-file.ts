import { renameSync, writeFileSync } from 'node:fs'

/** Write through a temporary file and rename, so a crash never leaves half a file behind. */
export function writeFileAtomic(path: string, data: string, mode = 0o644): void {
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, data, { mode })
  renameSync(tmp, path)
}
