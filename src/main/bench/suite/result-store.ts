import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { BenchRun } from '../../../shared/schemas/bench'
import { writeFileAtomic } from '../../config/atomic-file'

/** Run ids: the start time (sortable, file-name safe) and a random suffix, e.g. `20261129T140512Z-3fa9c1`. */
export const RUN_ID = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/

export function newRunId(at: Date, random: string): string {
  return `${at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}-${random}`
}

const fileOf = (dir: string, id: string): string => join(dir, `run-${id}.json`)

/**
 * Suite runs as JSON files in `<home>/bench/` (one file per run, written atomically). Files that do
 * not parse as a run (older single-benchmark results, hand edits) are listed as unreadable, never
 * shown as results.
 */
export class BenchResultStore {
  constructor(readonly dir: string) {}

  save(run: BenchRun): string {
    const parsed = BenchRun.parse(run)
    if (!RUN_ID.test(parsed.id)) throw new Error(`invalid run id "${parsed.id}"`)
    mkdirSync(this.dir, { recursive: true })
    const file = fileOf(this.dir, parsed.id)
    writeFileAtomic(file, JSON.stringify(parsed, null, 2) + '\n')
    return file
  }

  /** Newest first. */
  list(limit = 50): { runs: BenchRun[]; unreadable: string[] } {
    if (!existsSync(this.dir)) return { runs: [], unreadable: [] }
    const names = readdirSync(this.dir).filter((n) => /^run-.*\.json$/.test(n)).sort().reverse()
    const runs: BenchRun[] = []
    const unreadable: string[] = []
    for (const name of names) {
      if (runs.length >= limit) break
      const run = this.read(join(this.dir, name))
      if (run) runs.push(run)
      else unreadable.push(name)
    }
    return { runs, unreadable }
  }

  /** A run by id; the newest when no id is given; null when there is none. */
  get(id?: string | null): BenchRun | null {
    if (!id) return this.list(1).runs[0] ?? null
    if (!RUN_ID.test(id)) throw new Error(`"${id}" is not a benchmark run id (like 20261129T140512Z-3fa9c1)`)
    const file = fileOf(this.dir, id)
    return existsSync(file) ? this.read(file) : null
  }

  private read(file: string): BenchRun | null {
    try {
      const r = BenchRun.safeParse(JSON.parse(readFileSync(file, 'utf8')))
      return r.success ? r.data : null
    } catch {
      return null
    }
  }
}
