import { createHash } from 'node:crypto'
import { createWriteStream, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { create } from 'tar'

/**
 * A .tar.gz copy of the cache folder (or file) before it is imported, and the SHA-256 of that
 * archive, so the exact input can be produced again later. Streamed: never a copy in memory.
 */
export async function backupSource(source: string, dir: string, runId: string): Promise<{ file: string; sha256: string; bytes: number }> {
  const file = join(dir, `source-${runId}.tar.gz`)
  const hash = createHash('sha256')
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk)
      done(null, chunk)
    }
  })
  await pipeline(create({ gzip: true, cwd: dirname(source), portable: true }, [basename(source)]), tap, createWriteStream(file))
  const sha256 = hash.digest('hex')
  return { file, sha256, bytes: statSync(file).size }
}
