import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { bringStackUp } from '../app/lifecycle'
import { createServices, type Services } from '../app/services'
import { colorContainer } from '../backup/context'
import { execText } from '../backup/exec-stream'
import { bulkLoad } from '../db/bulk-load'
import type { Endpoint } from '../openfda/endpoints'
import { createDockerClient } from '../stack/docker-client'
import { ADMIN_USER } from '../stack/spec'
import { saveBenchResults } from './save-results'
import { generateRecords } from './generate-records'
import { quietJob, releaseBenchStack } from './bench-stack'

const MIX: [Endpoint, number][] = [['510k', 0.25], ['event', 0.2], ['enforcement', 0.15], ['udi', 0.15], ['recall', 0.1], ['pma', 0.1], ['classification', 0.05]]
const MiB = 2 ** 20

export interface BackupBenchOptions {
  records: number
  keep: boolean
  resultsDir: string
  log: (line: string) => void
}

/**
 * Backup and recovery on a stack of its own (ports 60380–60383): loads N generated records, compares
 * zstd and lz4 on the base backup's tar, then times a base backup, a dump, a verify and a restore
 * drill (RTO), and prints the rates.
 */
export async function runBackupBench(o: BackupBenchOptions): Promise<Record<string, unknown>> {
  const home = mkdtempSync(join(tmpdir(), 'fda-backup-bench-'))
  const stackName = `fdabench-${randomBytes(3).toString('hex')}`
  writeFileSync(join(home, 'settings.json'), JSON.stringify({ stackName, ports: { blue: 60380, green: 60381, pgbouncer: 60382 } }))
  const s = createServices({ host: 'cli', home })
  s.backup.store.saveConfig({ ...s.backup.config(), scratchPort: 60383 })
  const actor = { userId: null, username: 'bench', client: 'cli' as const }
  const results: Record<string, unknown> = { at: new Date().toISOString(), records: o.records, machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30) } }
  try {
    o.log(`bench stack ${stackName}: starting`)
    await bringStackUp(s, { green: false, samples: false }, actor, quietJob('bench-up'))
    const l0 = Date.now()
    for (const [endpoint, share] of MIX) await bulkLoad(s, endpoint, generateRecords(endpoint, Math.round(o.records * share), { seed: 7 }), 'bench:generated', actor, { jobId: `bench-${endpoint}` })
    const dbBytes = await clusterBytes(s)
    o.log(`loaded ${o.records} records in ${((Date.now() - l0) / 1000).toFixed(1)} s; cluster ${(dbBytes / MiB).toFixed(0)} MiB`)
    results.clusterBytes = dbBytes

    Object.assign(results, await measureBackup(s, { records: o.records, clusterBytes: dbBytes, compression: true, log: o.log }))
    saveBenchResults(o.resultsDir, 'backup', results, o.log)
    return results
  } finally {
    await s.backup.removeScratch().catch(() => {})
    await releaseBenchStack(s, { keep: o.keep, log: o.log, home })
  }
}

/** Bytes of every database of BLUE's cluster (what a base backup copies). */
export async function clusterBytes(s: Services): Promise<number> {
  return Number((await s.db.admin('blue', (c) => c.query<{ b: string }>('SELECT sum(pg_database_size(datname))::bigint AS b FROM pg_database'))).rows[0].b)
}

export interface BackupMeasurement {
  /** Plain `pg_basebackup -Ft -X fetch -c fast` to a tar inside the container: no compression, encryption or catalogue. */
  bareBase: { seconds: number; bytes: number }
  compression: { name: string; rawBytes: number; compressedBytes: number; ratio: number; compressMiBs: number; decompressMiBs: number }[]
  wal: { seconds: number; files: number }
  base: { seconds: number; withWalSeconds: number; storedBytes: number; clusterMiBs: number }
  dump: { seconds: number; storedBytes: number; recordsPerSecond: number }
  verify: { seconds: number; ok: boolean }
  drill: { rtoSeconds: number; ok: boolean; restoreMiBs: number; checks: number }
  dumpDrill: { seconds: number; ok: boolean; checks: number }
}

/**
 * The measurement itself, on a running stack holding `records` records (`clusterBytes` in all
 * databases): a bare pg_basebackup to a tar (the baseline), optionally zstd against lz4 on that tar,
 * then the console's WAL shipping, base backup, dump, verify, and a restore drill of each (RTO).
 */
export async function measureBackup(s: Services, o: { records: number; clusterBytes: number; compression: boolean; log: (line: string) => void; signal?: AbortSignal }): Promise<BackupMeasurement> {
  const actor = { userId: null, username: 'bench', client: 'cli' as const }
  const dbBytes = o.clusterBytes
  const blue = colorContainer({ s, docker: createDockerClient(), store: s.backup.store }, 'blue')
  const t = s.stack.target('blue')
  const bareOut = await execText(blue, ['bash', '-c', `s=$(date +%s%N); PGPASSWORD="$0" pg_basebackup -h 127.0.0.1 -p ${s.settings.ports.blue} -U ${ADMIN_USER} -D - -Ft -X fetch -c fast > /tmp/bench-base.tar; e=$(date +%s%N); echo $(( (e-s)/1000000 )) $(stat -c %s /tmp/bench-base.tar)`, t.password])
  const [bareMs, bareBytes] = bareOut.stdout.trim().split(' ').map(Number)
  const bareBase = { seconds: bareMs / 1000, bytes: bareBytes }
  o.log(`bare pg_basebackup to a tar: ${bareBase.seconds.toFixed(1)} s, ${(dbBytes / MiB / bareBase.seconds).toFixed(1)} MiB/s of cluster`)
  // ---- compression: the same base-backup tar through zstd and lz4, inside the stack image ----
  const compression: BackupMeasurement['compression'] = []
  for (const [name, cmd, dcmd] of o.compression ? ([['zstd -1', 'zstd -q -T0 -1', 'zstd -dcq'], ['zstd -3', 'zstd -q -T0 -3', 'zstd -dcq'], ['lz4 -1', 'lz4 -q -1', 'lz4 -dcq']] as const) : []) {
    const r = await execText(blue, ['bash', '-c', `s=$(date +%s%N); ${cmd} -c /tmp/bench-base.tar > /tmp/bench.c; e=$(date +%s%N); ${dcmd} /tmp/bench.c > /dev/null; d=$(date +%s%N); echo $(stat -c %s /tmp/bench-base.tar) $(stat -c %s /tmp/bench.c) $(( (e-s)/1000000 )) $(( (d-e)/1000000 )); rm -f /tmp/bench.c`])
    const [raw, packed, cms, dms] = r.stdout.trim().split(' ').map(Number)
    const row = { name, rawBytes: raw, compressedBytes: packed, ratio: raw / packed, compressMiBs: raw / MiB / (cms / 1000), decompressMiBs: raw / MiB / (dms / 1000) }
    compression.push(row)
    o.log(`${name.padEnd(8)} ${(raw / MiB).toFixed(0)} MiB → ${(packed / MiB).toFixed(1)} MiB (×${row.ratio.toFixed(2)}), compress ${row.compressMiBs.toFixed(0)} MiB/s, decompress ${row.decompressMiBs.toFixed(0)} MiB/s`)
  }
  await execText(blue, ['rm', '-f', '/tmp/bench-base.tar'])
  o.signal?.throwIfAborted()

  const time = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
    const t0 = Date.now()
    const v = await fn()
    return [v, (Date.now() - t0) / 1000]
  }
  // The load's WAL is shipped first, so the base backup is timed on its own.
  const [wal, walSeconds] = await time(() => s.backup.shipWal(actor, quietJob('bench-wal')))
  const walBytes = wal?.artifacts[0].plainBytes ?? 0
  o.log(`WAL shipping: ${wal?.walSegments.length ?? 0} files in ${walSeconds.toFixed(1)} s, ${(walBytes / MiB).toFixed(1)} MiB compressed`)
  const [base, totalSeconds] = await time(() => s.backup.base(actor, quietJob('bench-base')))
  const baseSeconds = (Date.parse(base.stoppedAt) - Date.parse(base.startedAt)) / 1000
  const stored = base.artifacts[0].storedBytes
  o.log(`base backup: ${baseSeconds.toFixed(1)} s streaming (${totalSeconds.toFixed(1)} s with its WAL), ${(dbBytes / MiB / baseSeconds).toFixed(1)} MiB/s of cluster, ${(stored / MiB).toFixed(1)} MiB stored`)
  o.signal?.throwIfAborted()
  const [dump, dumpSeconds] = await time(() => s.backup.dump(actor, quietJob('bench-dump')))
  o.log(`dump: ${dumpSeconds.toFixed(1)} s, ${Math.round(o.records / dumpSeconds)} records/s, ${(dump.artifacts[0].storedBytes / MiB).toFixed(1)} MiB stored`)
  const [verify, verifySeconds] = await time(() => s.backup.verify(base.id, actor, quietJob('bench-verify')))
  o.log(`verify base: ${verifySeconds.toFixed(1)} s (${verify.ok ? 'ok' : 'FAILED'})`)
  o.signal?.throwIfAborted()
  const drill = await s.backup.drill({ id: base.id }, actor, quietJob('bench-drill'))
  o.log(`restore drill of the base backup: RTO ${drill.rtoSeconds.toFixed(1)} s (restore ${(dbBytes / MiB / drill.rtoSeconds).toFixed(1)} MiB/s, ${Math.round(o.records / drill.rtoSeconds)} records/s); checks ${drill.ok ? 'all pass' : 'FAILED'}`)
  o.signal?.throwIfAborted()
  const dumpDrill = await s.backup.drill({ id: dump.id }, actor, quietJob('bench-drill-dump'))
  o.log(`restore drill of the dump: ${dumpDrill.rtoSeconds.toFixed(1)} s; checks ${dumpDrill.ok ? 'all pass' : 'FAILED'}`)
  return {
    bareBase, compression,
    wal: { seconds: walSeconds, files: wal?.walSegments.length ?? 0 },
    base: { seconds: baseSeconds, withWalSeconds: totalSeconds, storedBytes: stored, clusterMiBs: dbBytes / MiB / baseSeconds },
    dump: { seconds: dumpSeconds, storedBytes: dump.artifacts[0].storedBytes, recordsPerSecond: o.records / dumpSeconds },
    verify: { seconds: verifySeconds, ok: verify.ok },
    drill: { rtoSeconds: drill.rtoSeconds, ok: drill.ok, restoreMiBs: dbBytes / MiB / drill.rtoSeconds, checks: drill.checks.length },
    dumpDrill: { seconds: dumpDrill.rtoSeconds, ok: dumpDrill.ok, checks: dumpDrill.checks.length }
  }
}
