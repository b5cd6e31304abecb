import { Readable } from 'node:stream'
import { Manifest, type Artifact } from '../../shared/schemas/backup'
import type { JobContext } from '../jobs/job-manager'
import { withClient } from '../db/connection'
import { ADMIN_USER } from '../stack/spec'
import { storeArtifact } from './artifact'
import { colorContainer, liveColor, newId, type Actor, type BackupDeps } from './context'
import { ensureSuccess, execStream } from './exec-stream'
import { endpointFacts, serverFacts } from './facts'
import { describePublicKey } from './pgp'
import { manifestKey } from './catalog'

const compressCmd = (c: 'zstd' | 'lz4', level: number): string => (c === 'zstd' ? `zstd -q -T0 -${level}` : `lz4 -q -${Math.min(level, 12)}`)
const ext = (c: 'zstd' | 'lz4'): string => (c === 'zstd' ? 'zst' : 'lz4')

/**
 * A physical base backup of the live color: pg_basebackup runs inside its container (tar to
 * standard output, with the WAL needed for consistency), is compressed there, and streams out
 * through OpenPGP encryption to the destination. Progress comes from pg_stat_progress_basebackup.
 */
export async function takeBaseBackup(d: BackupDeps, actor: Actor, ctx: JobContext): Promise<Manifest> {
  const cfg = d.store.config()
  const color = await liveColor(d)
  const target = d.s.stack.target(color)
  const recipients = await d.store.recipients()
  const dest = d.store.destination()
  const id = newId('base')
  ctx.report({ phase: 'prepare', message: `base backup of ${color.toUpperCase()} to ${dest.describe}` })
  const before = await withClient(target, async (c) => ({ ...(await serverFacts(c)), endpoints: await endpointFacts(c) }), 10_000)
  const startedAt = new Date().toISOString()
  const port = d.s.settings.ports[color]
  const exec = await execStream(colorContainer(d, color), ['bash', '-c',
    `set -o pipefail; pg_basebackup -h 127.0.0.1 -p ${port} -U ${ADMIN_USER} -D - -Ft -X fetch -c fast -v -l fda-${id} | ${compressCmd(cfg.compression, cfg.compressionLevel)}`
  ], { env: [`PGPASSWORD=${target.password}`] })
  // Exact progress from the server while the stream flows.
  let progress = { done: 0, total: null as number | null }
  const poll = setInterval(() => {
    withClient(target, (c) => c.query<{ t: string; s: string }>('SELECT backup_total AS t, backup_streamed AS s FROM pg_stat_progress_basebackup'))
      .then((r) => {
        if (r.rows[0]) progress = { done: Number(r.rows[0].s), total: r.rows[0].t === null ? null : Number(r.rows[0].t) }
        ctx.report({ phase: 'base backup', done: progress.done, total: progress.total, unit: 'bytes' })
      })
      .catch(() => {})
  }, 1000)
  let artifact: Artifact
  let stderr: string
  try {
    ctx.signal.addEventListener('abort', () => exec.kill(), { once: true })
    const key = `backups/${id}/base.tar.${ext(cfg.compression)}.gpg`
    try {
      artifact = await storeArtifact(dest, key, 'base.tar', cfg.compression, exec.stdout, recipients)
      stderr = await ensureSuccess('pg_basebackup', exec)
    } catch (e) {
      await dest.delete(key).catch(() => {}) // a failed or cancelled backup leaves no artifact without a manifest
      throw e
    }
  } finally {
    clearInterval(poll)
  }
  const start = /write-ahead log start point: ([0-9A-F]+\/[0-9A-F]+) on timeline (\d+)/i.exec(stderr)
  const stop = /write-ahead log end point: ([0-9A-F]+\/[0-9A-F]+)/i.exec(stderr)
  const stoppedAt = new Date().toISOString()
  const after = await withClient(target, (c) => endpointFacts(c), 10_000)
  const manifest = Manifest.parse({
    format: 'fda-offline-backup/1', id, type: 'base', color, stackName: d.s.settings.stackName, startedAt, stoppedAt,
    startLsn: start?.[1] ?? null, stopLsn: stop?.[1] ?? null, timeline: start ? Number(start[2]) : null, walSegments: [],
    postgresVersion: before.postgresVersion, schemaVersion: before.schemaVersion, auditHead: before.auditHead,
    endpoints: after, changedDuringBackup: JSON.stringify(after) !== JSON.stringify(before.endpoints),
    recipients: await Promise.all(recipients.map(async (r) => (await describePublicKey(r)).fingerprint)),
    artifacts: [artifact], createdBy: actor.username
  })
  await dest.put(manifestKey(id), Readable.from([JSON.stringify(manifest, null, 2)]))
  await d.s.audit.record(actor, { action: 'backup.base', targetType: 'backup', targetKey: id, after: summary(manifest) })
  return manifest
}

/**
 * A logical dump (pg_dump -Fc) taken in an exported snapshot, so the row counts and digests in the
 * manifest are exactly those of the dump.
 */
export async function takeDump(d: BackupDeps, actor: Actor, ctx: JobContext): Promise<Manifest> {
  const cfg = d.store.config()
  const color = await liveColor(d)
  const target = d.s.stack.target(color)
  const recipients = await d.store.recipients()
  const dest = d.store.destination()
  const id = newId('dump')
  ctx.report({ phase: 'prepare', message: `logical dump of ${color.toUpperCase()} to ${dest.describe}` })
  return withClient(target, async (c) => {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    const snap = await c.query<{ snap: string; lsn: string; tl: number; size: string }>(
      'SELECT pg_export_snapshot() AS snap, pg_current_wal_lsn()::text AS lsn, (SELECT timeline_id FROM pg_control_checkpoint()) AS tl, pg_database_size(current_database()) AS size'
    )
    const facts = await serverFacts(c)
    const endpoints = await endpointFacts(c)
    const startedAt = new Date().toISOString()
    const port = d.s.settings.ports[color]
    const exec = await execStream(colorContainer(d, color), ['bash', '-c',
      `set -o pipefail; pg_dump -h 127.0.0.1 -p ${port} -U ${ADMIN_USER} -d mirror -Fc -Z0 --snapshot=${snap.rows[0].snap} | ${compressCmd(cfg.compression, cfg.compressionLevel)}`
    ], { env: [`PGPASSWORD=${target.password}`] })
    ctx.signal.addEventListener('abort', () => exec.kill(), { once: true })
    const estimate = Number(snap.rows[0].size) / 3 // compressed dumps of this data are about a third of the database
    const key = `backups/${id}/mirror.dump.${ext(cfg.compression)}.gpg`
    let artifact: Artifact
    try {
      artifact = await storeArtifact(dest, key, 'mirror.dump', cfg.compression, exec.stdout, recipients,
        (n) => ctx.report({ phase: 'dump', done: n, total: Math.max(n, estimate), unit: 'bytes' }))
      await ensureSuccess('pg_dump', exec)
    } catch (e) {
      await dest.delete(key).catch(() => {})
      throw e
    }
    await c.query('COMMIT')
    const manifest = Manifest.parse({
      format: 'fda-offline-backup/1', id, type: 'dump', color, stackName: d.s.settings.stackName, startedAt, stoppedAt: new Date().toISOString(),
      startLsn: snap.rows[0].lsn, stopLsn: snap.rows[0].lsn, timeline: snap.rows[0].tl, walSegments: [],
      ...facts, endpoints, changedDuringBackup: false,
      recipients: await Promise.all(recipients.map(async (r) => (await describePublicKey(r)).fingerprint)),
      artifacts: [artifact], createdBy: actor.username
    })
    await dest.put(manifestKey(id), Readable.from([JSON.stringify(manifest, null, 2)]))
    await d.s.audit.record(actor, { action: 'backup.dump', targetType: 'backup', targetKey: id, after: summary(manifest) })
    return manifest
  }, 10_000)
}

export function summary(m: Manifest) {
  return {
    type: m.type, color: m.color, startedAt: m.startedAt, stoppedAt: m.stoppedAt, startLsn: m.startLsn, stopLsn: m.stopLsn,
    bytes: m.artifacts.reduce((n, a) => n + a.storedBytes, 0), sha256: m.artifacts.map((a) => `${a.key} ${a.sha256Stored}`),
    auditHead: m.auditHead?.hash ?? null, walSegments: m.walSegments.length ? [m.walSegments[0], m.walSegments.at(-1)] : undefined
  }
}
