import { describe, expect, it } from 'vitest'
import { decideRetention, isoWeekKey, type RetainedItem } from '../../src/main/backup/retention'

const policy = { daily: 7, weekly: 4, monthly: 12, yearly: 7 }
const now = new Date('2026-11-29T12:00:00Z') // a Sunday

/** One base backup at 02:00 UTC every day for 8 years up to today. */
function eightYearsDaily(): RetainedItem[] {
  const out: RetainedItem[] = []
  for (let t = Date.parse('2018-11-29T02:00:00Z'); t <= now.getTime(); t += 86_400_000) {
    const at = new Date(t).toISOString()
    out.push({ id: `b-${at.slice(0, 10)}`, type: 'base', at, segment: null })
  }
  return out
}

describe('calendar retention', () => {
  it('ISO weeks start on Monday and belong to the year of their Thursday', () => {
    expect(isoWeekKey(new Date('2026-11-29T12:00:00Z'))).toBe('2026-W48')
    expect(isoWeekKey(new Date('2026-11-30T00:00:00Z'))).toBe('2026-W49')
    expect(isoWeekKey(new Date('2021-01-03T00:00:00Z'))).toBe('2020-W53')
  })

  it('over 8 years of daily backups keeps exactly 7 daily, 4 weekly, 12 monthly, 7 yearly (merged)', () => {
    const items = eightYearsDaily()
    expect(items.length).toBe(2923)
    const kept = decideRetention(items, policy, now).filter((d) => d.keep).map((d) => d.id.slice(2)).sort()
    const expected = [
      // yearly: newest of 2020…2026 (2025 and 2026 also counted as monthly)
      '2020-12-31', '2021-12-31', '2022-12-31', '2023-12-31', '2024-12-31',
      // monthly: Dec 2025 … Nov 2026
      '2025-12-31', '2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31', '2026-06-30', '2026-07-31',
      '2026-08-31', '2026-09-30', '2026-10-31',
      // weekly: the Sundays of the three weeks before this one (this week's is today)
      '2026-11-08', '2026-11-15', '2026-11-22',
      // daily: the last 7 days, today included
      '2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29'
    ].sort()
    expect(kept).toEqual(expected)
  })

  it('marks every kept backup with why, and every pruned one with a reason', () => {
    const d = decideRetention(eightYearsDaily(), policy, now)
    const byId = new Map(d.map((x) => [x.id, x]))
    expect(byId.get('b-2026-11-29')!.marks.sort()).toEqual(['daily', 'monthly', 'newest', 'weekly', 'yearly'])
    expect(byId.get('b-2026-11-22')!.marks.sort()).toEqual(['weekly', 'window'])
    expect(byId.get('b-2020-12-31')!.marks).toEqual(['yearly'])
    const pruned = byId.get('b-2019-12-31')!
    expect(pruned.keep).toBe(false)
    expect(pruned.reason).toMatch(/^prune: /)
  })

  it('never prunes the only base backup that can restore the start of the promised window', () => {
    // Backups only 20 and 3 days ago: the 20-day-old one is the only way to reach 7 days back.
    const items: RetainedItem[] = [
      { id: 'old', type: 'base', at: '2026-11-09T02:00:00Z' },
      { id: 'new', type: 'base', at: '2026-11-26T02:00:00Z' }
    ]
    const d = decideRetention(items, { daily: 7, weekly: 0, monthly: 0, yearly: 0 }, now)
    expect(d.find((x) => x.id === 'old')).toMatchObject({ keep: true, marks: ['window'] })
  })

  it('keeps WAL back to the oldest retained base backup and prunes older WAL', () => {
    const items: RetainedItem[] = [
      { id: 'base-a', type: 'base', at: '2026-11-28T02:00:00Z', segment: '000000010000000000000010' },
      { id: 'base-b', type: 'base', at: '2026-11-29T02:00:00Z', segment: '000000010000000000000020' },
      { id: 'wal-1', type: 'wal', at: '2026-11-27T02:00:00Z', segment: '00000001000000000000000F' },
      { id: 'wal-2', type: 'wal', at: '2026-11-28T03:00:00Z', segment: '000000010000000000000015' },
      { id: 'wal-3', type: 'wal', at: '2026-11-29T03:00:00Z', segment: '000000020000000000000025' }
    ]
    const d = new Map(decideRetention(items, policy, now).map((x) => [x.id, x]))
    expect(d.get('wal-1')!.keep).toBe(false)
    expect(d.get('wal-2')!.keep).toBe(true)
    expect(d.get('wal-3')!.keep).toBe(true)
  })

  it('applies the calendar to dumps separately from base backups', () => {
    const items: RetainedItem[] = [
      { id: 'dump-1', type: 'dump', at: '2026-11-29T01:00:00Z' },
      { id: 'dump-2', type: 'dump', at: '2026-11-29T05:00:00Z' },
      { id: 'base-1', type: 'base', at: '2026-11-29T03:00:00Z' }
    ]
    const d = new Map(decideRetention(items, policy, now).map((x) => [x.id, x]))
    expect(d.get('dump-2')!.keep).toBe(true)
    expect(d.get('dump-1')!.keep).toBe(false)
    expect(d.get('base-1')!.keep).toBe(true)
  })
})
