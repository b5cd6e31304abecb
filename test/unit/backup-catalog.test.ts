import { describe, expect, it } from 'vitest'
import type { Manifest } from '../../src/shared/schemas/backup'
import { recoverableRanges, rollForward, segmentNumber } from '../../src/main/backup/catalog'
import { segmentOf } from '../../src/main/backup/facts'
import { chooseBase } from '../../src/main/backup/restore'

const m = (over: Partial<Manifest>): Manifest => ({
  format: 'fda-offline-backup/1', id: 'x', type: 'base', color: 'blue', stackName: 'fda', startedAt: '', stoppedAt: '', startLsn: null, stopLsn: null,
  timeline: 1, walSegments: [], postgresVersion: '15', schemaVersion: '0006', auditHead: null, endpoints: {}, changedDuringBackup: false,
  recipients: [], artifacts: [], createdBy: 't', ...over
})
const seg = (n: number): string => `00000001${Math.floor(n / 256).toString(16).toUpperCase().padStart(8, '0')}${(n % 256).toString(16).toUpperCase().padStart(8, '0')}`

describe('WAL segments and LSNs', () => {
  it('maps an LSN to its segment file and orders segments across logs', () => {
    expect(segmentOf('0/3000028', 1)).toBe('000000010000000000000003')
    expect(segmentOf('1A/FF000100', 2)).toBe('000000020000001A000000FF')
    expect(segmentNumber('000000010000000100000000')).toBe(segmentNumber('0000000100000000000000FF') + 1)
  })
})

describe('recoverable window', () => {
  const base1 = m({ id: 'b1', startLsn: '0/3000028', stoppedAt: '2026-11-28T02:00:10Z' })
  const base2 = m({ id: 'b2', startLsn: '0/9000028', stoppedAt: '2026-11-29T02:00:10Z' })
  const wal = (id: string, from: number, to: number, stoppedAt: string, color: 'blue' | 'green' = 'blue') =>
    m({ id, type: 'wal', color, walSegments: Array.from({ length: to - from + 1 }, (_, i) => seg(from + i)), stoppedAt })

  it('rolls a base backup forward through contiguous WAL and stops at a gap, naming it', () => {
    const all = [base1, wal('w1', 3, 5, '2026-11-28T03:00:00Z'), wal('w2', 6, 7, '2026-11-28T09:00:00Z'), wal('w3', 9, 12, '2026-11-29T05:00:00Z')]
    const r = rollForward(base1, all)
    expect(r.until).toBe('2026-11-28T09:00:00Z')
    expect(r.gapAt).toBe(8)
    expect(r.bundles.map((b) => b.id)).toEqual(['w1', 'w2'])
  })

  it('ignores WAL of the other color', () => {
    const r = rollForward(base1, [base1, wal('g', 3, 9, '2026-11-29T00:00:00Z', 'green')])
    expect(r.until).toBe(base1.stoppedAt)
  })

  it('merges overlapping ranges and keeps separate ones apart', () => {
    const all = [base1, base2, wal('w1', 3, 7, '2026-11-28T09:00:00Z'), wal('w2', 9, 12, '2026-11-29T05:00:00Z')]
    expect(recoverableRanges(all)).toEqual([
      { from: base1.stoppedAt, to: '2026-11-28T09:00:00Z' },
      { from: base2.stoppedAt, to: '2026-11-29T05:00:00Z' }
    ])
    const contiguous = [base1, base2, wal('w1', 3, 12, '2026-11-29T05:00:00Z')]
    expect(recoverableRanges(contiguous)).toEqual([{ from: base1.stoppedAt, to: '2026-11-29T05:00:00Z' }])
  })

  it('chooses the newest base backup at or before the moment, and refuses a moment before every backup', () => {
    const all = [base1, base2, wal('w1', 3, 12, '2026-11-29T05:00:00Z')]
    expect(chooseBase(all, '2026-11-28T12:00:00Z').id).toBe('b1')
    expect(chooseBase(all, '2026-11-29T04:00:00Z').id).toBe('b2')
    expect(() => chooseBase(all, '2026-11-27T00:00:00Z')).toThrow(/No base backup was taken before/)
  })
})
