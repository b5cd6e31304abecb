import type { BenchComparison, BenchTarget } from '../../../shared/schemas/bench'
import { clusterBytes, measureBackup, type BackupMeasurement } from '../backup-bench'
import type { BenchModule, ModuleOutput, SuiteContext } from '../suite/types'

const MiB = 2 ** 20

/**
 * The backup bench's numbers in the suite's shape (pure: unit-tested). Rates are MiB/s of the
 * cluster (higher is better): ratio = console ÷ baseline.
 */
export function backupOutput(m: BackupMeasurement, records: number, clusterBytesTotal: number): ModuleOutput {
  const mib = clusterBytesTotal / MiB
  const rate = (seconds: number): number => (seconds > 0 ? mib / seconds : 0)
  const ratio = (a: number, b: number): number => (a > 0 && b > 0 ? a / b : 0)
  const baseRate = rate(m.base.seconds)
  const bareRate = rate(m.bareBase.seconds)
  const restoreRate = rate(m.drill.rtoSeconds)
  const dumpRestoreRate = rate(m.dumpDrill.seconds)
  const comparisons: BenchComparison[] = [
    {
      label: 'base backup', group: 'backup-base', size: records,
      console: { name: 'console base backup (compressed, checksummed, catalogued)', value: baseRate, unit: 'MiB/s' },
      baseline: { name: 'bare pg_basebackup to a tar', value: bareRate, unit: 'MiB/s' },
      ratio: ratio(baseRate, bareRate), verified: m.verify.ok, answer: `${(m.base.storedBytes / MiB).toFixed(1)} MiB stored, verify ${m.verify.ok ? 'ok' : 'FAILED'}`
    },
    {
      label: 'restore drill', group: 'backup-restore', size: records,
      console: { name: 'restore of the base backup into a scratch instance (drill)', value: restoreRate, unit: 'MiB/s' },
      baseline: { name: 'restore of a pg_dump into a scratch instance (drill)', value: dumpRestoreRate, unit: 'MiB/s' },
      ratio: ratio(restoreRate, dumpRestoreRate), verified: m.drill.ok && m.dumpDrill.ok,
      answer: m.drill.ok && m.dumpDrill.ok ? `all ${m.drill.checks} checks pass` : `checks ${m.drill.ok ? 'pass' : 'FAIL'} (base), ${m.dumpDrill.ok ? 'pass' : 'FAIL'} (dump)`
    }
  ]
  const targets: BenchTarget[] = [{
    label: 'RTO of a restore drill (base backup)', value: m.drill.rtoSeconds, unit: 's', target: 'reported (no goal set)', met: null,
    note: `${records.toLocaleString('en-US')} records, ${mib.toFixed(0)} MiB cluster; checks ${m.drill.ok ? 'pass' : 'FAIL'}`
  }]
  const notes = [
    `base backup ${baseRate.toFixed(1)} MiB/s (${m.base.seconds.toFixed(1)} s, ${(m.base.storedBytes / MiB).toFixed(1)} MiB stored); restore ${restoreRate.toFixed(1)} MiB/s; RTO ${m.drill.rtoSeconds.toFixed(1)} s`,
    `dump ${Math.round(m.dump.recordsPerSecond).toLocaleString('en-US')} records/s (${m.dump.seconds.toFixed(1)} s); WAL shipping ${m.wal.files} files in ${m.wal.seconds.toFixed(1)} s; verify ${m.verify.seconds.toFixed(1)} s`
  ]
  for (const c of m.compression) notes.push(`${c.name}: ×${c.ratio.toFixed(2)}, compress ${c.compressMiBs.toFixed(0)} MiB/s, decompress ${c.decompressMiBs.toFixed(0)} MiB/s`)
  if (!m.compression.length) notes.push('zstd vs lz4 on the base backup: full run only')
  return { comparisons, targets, notes, details: { records, clusterBytes: clusterBytesTotal, ...m } }
}

/**
 * The backup bench (`fda-offline bench backup`) on the suite's mirror: base backup and restore
 * rates against bare pg_basebackup and a pg_dump restore, and the drill's RTO. The drill's scratch
 * instance listens on base+14. The zstd/lz4 comparison runs in the full suite only.
 */
export async function runBackup(ctx: SuiteContext): Promise<ModuleOutput> {
  const mirror = await ctx.mirror(ctx.quick ? Math.min(...ctx.sizes) : Math.max(...ctx.sizes))
  const s = mirror.s
  s.backup.store.saveConfig({ ...s.backup.config(), scratchPort: ctx.basePort + 14 })
  const bytes = await clusterBytes(s)
  ctx.progress(`base backup, dump and restore drills of ${mirror.size.toLocaleString('en-US')} records`)
  try {
    const m = await measureBackup(s, { records: mirror.size, clusterBytes: bytes, compression: !ctx.quick, log: ctx.log, signal: ctx.signal })
    return backupOutput(m, mirror.size, bytes)
  } finally {
    await s.backup.removeScratch().catch(() => {})
  }
}

export const backupBench: BenchModule = {
  name: 'backup', title: 'Backup and restore rates, drill RTO',
  compares: 'console base backup and restore drill vs bare pg_basebackup and a pg_dump restore (MiB/s of the cluster)', available: true, run: runBackup
}
