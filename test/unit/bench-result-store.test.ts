import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { BenchResultStore, newRunId, RUN_ID } from '../../src/main/bench/suite/result-store'
import type { BenchRun } from '../../src/shared/schemas/bench'
import { tempHome } from '../support/temp-home'
import { sampleRun } from '../support/bench-run'

const homes: { cleanup: () => void }[] = []
const store = (): BenchResultStore => {
  const t = tempHome()
  homes.push(t)
  return new BenchResultStore(join(t.home, 'bench'))
}
afterEach(() => homes.splice(0).forEach((h) => h.cleanup()))

describe('benchmark result store', () => {
  it('makes sortable, file-name safe run ids', () => {
    const id = newRunId(new Date('2026-11-29T14:05:12.345Z'), 'abc123')
    expect(id).toBe('20261129T140512Z-abc123')
    expect(RUN_ID.test(id)).toBe(true)
  })

  it('saves a run as JSON in <home>/bench and reads it back by id, and the newest without one', () => {
    const s = store()
    expect(s.get()).toBeNull()
    expect(s.list().runs).toEqual([])
    const older = sampleRun({ id: '20261128T100000Z-aaaaaa' })
    const newer = sampleRun({ id: '20261129T100000Z-bbbbbb' })
    const file = s.save(newer)
    s.save(older)
    expect(file).toBe(join(s.dir, 'run-20261129T100000Z-bbbbbb.json'))
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(newer)
    expect(s.get(older.id)).toEqual(older)
    expect(s.get()).toEqual(newer)
    expect(s.list().runs.map((r) => r.id)).toEqual([newer.id, older.id])
    expect(s.list(1).runs.map((r) => r.id)).toEqual([newer.id])
    expect(s.get('20261127T100000Z-cccccc')).toBeNull()
  })

  it('refuses ids that are not run ids (no path tricks) and runs that do not match the schema', () => {
    const s = store()
    expect(() => s.get('../../secrets')).toThrow(/not a benchmark run id/)
    expect(() => s.save({ ...sampleRun(), id: '../evil' })).toThrow(/invalid run id/)
    expect(() => s.save({ ...sampleRun(), machine: { cores: 'two' } } as unknown as BenchRun)).toThrow()
    expect(existsSync(s.dir) ? s.list().runs : []).toEqual([])
  })

  it('lists files that are not runs as unreadable instead of showing them as results', () => {
    const s = store()
    s.save(sampleRun({ id: '20261129T100000Z-bbbbbb' }))
    writeFileSync(join(s.dir, 'run-20261129T110000Z-dddddd.json'), '{"not": "a run"}')
    writeFileSync(join(s.dir, 'run-20261129T120000Z-eeeeee.json'), '{ truncated')
    writeFileSync(join(s.dir, 'records-2026-11-29T10-00-00.000Z.json'), '{}') // older single-benchmark files are not runs
    const { runs, unreadable } = s.list()
    expect(runs.map((r) => r.id)).toEqual(['20261129T100000Z-bbbbbb'])
    expect(unreadable.sort()).toEqual(['run-20261129T110000Z-dddddd.json', 'run-20261129T120000Z-eeeeee.json'])
    expect(s.get()).toEqual(runs[0]) // the newest readable run
  })
})
