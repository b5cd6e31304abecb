import { Readable } from 'node:stream'
import { Manifest, type Artifact } from '../../shared/schemas/backup'
import type { Color } from '../../shared/schemas'
import type { JobContext } from '../jobs/job-manager'
import { withClient } from '../db/connection'
import { storeArtifact } from './artifact'
import { isSegment, listManifests, manifestKey } from './catalog'
import { colorContainer, liveColor, newId, type Actor, type BackupDeps } from './context'
import { ensureSuccess, execStream, execText } from './exec-stream'
import { describePublicKey } from './pgp'
import { summary } from './take-backup'

const SEGMENT_BYTES = 16 * 1024 * 1024

/**
 * Ships WAL files that PostgreSQL archived into the WAL-archive volume (`<archive>/<color>/`) and that
 * are not yet at the destination, as one encrypted bundle. The archive volume stays the first place
 * a restore looks (it survives the loss of the database container); the destination holds the copy
 * that survives the loss of this machine.
 */
export async function shipWal(d: BackupDeps, actor: Actor, ctx: JobContext, color?: Color, opts: { switchFirst?: boolean } = {}): Promise<Manifest | null> {
  const c = color ?? (await liveColor(d))
  const container = colorContainer(d, c)
  const dir = `/var/lib/fda/wal-archive/${c}`
  if (opts.switchFirst) await switchAndWaitArchived(d, c, ctx)
  const dest = d.store.destination()
  ctx.report({ phase: 'list', message: `WAL archived by ${c.toUpperCase()}` })
  const { stdout } = await execText(container, ['find', dir, '-maxdepth', '1', '-type', 'f', '-printf', '%f %s %T@\\n'])
  const now = Date.now() / 1000
  const files = stdout.split('\n').filter(Boolean).map((l) => {
    const [name, size, mtime] = l.split(' ')
    return { name, size: Number(size), mtime: Number(mtime) }
  })
  // Complete files only: a segment is exactly 16 MiB; history and backup-label files once settled.
  .filter((f) => (isSegment(f.name) ? f.size === SEGMENT_BYTES : /\.(history|backup)$/.test(f.name) && now - f.mtime > 2))
  const shipped = new Set((await listManifests(dest, d.store.manifestCache)).manifests.filter((m) => m.type === 'wal' && m.color === c).flatMap((m) => m.walSegments))
  const fresh = files.filter((f) => !shipped.has(f.name)).sort((a, b) => a.name.localeCompare(b.name))
  if (fresh.length === 0) return null
  const cfg = d.store.config()
  const recipients = await d.store.recipients()
  const id = newId('wal')
  const startedAt = new Date(Math.min(...fresh.map((f) => f.mtime)) * 1000).toISOString()
  const stoppedAt = new Date(Math.max(...fresh.map((f) => f.mtime)) * 1000).toISOString()
  const total = fresh.reduce((n, f) => n + f.size, 0)
  const compress = cfg.compression === 'zstd' ? `zstd -q -T0 -${cfg.compressionLevel}` : 'lz4 -q'
  const exec = await execStream(container, ['bash', '-c', `set -o pipefail; tar -C ${dir} -cf - -T - | ${compress}`], { stdin: Readable.from([fresh.map((f) => f.name).join('\n') + '\n']) })
  const key = `backups/${id}/wal.tar.${cfg.compression === 'zstd' ? 'zst' : 'lz4'}.gpg`
  ctx.signal.addEventListener('abort', () => exec.kill(), { once: true })
  let artifact: Artifact
  try {
    artifact = await storeArtifact(dest, key, 'wal.tar', cfg.compression, exec.stdout, recipients,
      (n) => ctx.report({ phase: 'ship WAL', done: n, total: Math.max(n, total / 4), unit: 'bytes' }))
    await ensureSuccess('tar of WAL', exec)
  } catch (e) {
    await dest.delete(key).catch(() => {})
    throw e
  }
  const segments = fresh.filter((f) => isSegment(f.name)).map((f) => f.name)
  const facts = await withClient(d.s.stack.target(c), async (cl) => (await cl.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v, 5_000).catch(() => 'unknown')
  const manifest = Manifest.parse({
    format: 'fda-offline-backup/1', id, type: 'wal', color: c, stackName: d.s.settings.stackName, startedAt, stoppedAt,
    startLsn: null, stopLsn: null, timeline: segments[0] ? parseInt(segments[0].slice(0, 8), 16) : null,
    walSegments: fresh.map((f) => f.name), postgresVersion: facts, schemaVersion: null, auditHead: null, endpoints: {},
    recipients: await Promise.all(recipients.map(async (r) => (await describePublicKey(r)).fingerprint)), artifacts: [artifact], createdBy: actor.username
  })
  await dest.put(manifestKey(id), Readable.from([JSON.stringify(manifest, null, 2)]))
  await d.s.audit.record(actor, { action: 'backup.wal', targetType: 'backup', targetKey: id, after: summary(manifest) })
  return manifest
}

/** Closes the current WAL segment (when it holds anything) and waits until PostgreSQL has archived it. */
export async function switchAndWaitArchived(d: BackupDeps, color: Color, ctx: JobContext, timeoutMs = 60_000): Promise<void> {
  await withClient(d.s.stack.target(color), async (cl) => {
    // pg_walfile_name of a segment boundary names the segment before it: the one just closed.
    const want = (await cl.query<{ f: string }>('SELECT pg_walfile_name(pg_switch_wal()) AS f')).rows[0].f
    const deadline = Date.now() + timeoutMs
    ctx.report({ phase: 'archive', message: `waiting for ${want} to be archived` })
    for (;;) {
      const a = await cl.query<{ w: string | null }>('SELECT last_archived_wal AS w FROM pg_stat_archiver')
      const w = a.rows[0].w
      if (w && w.length === 24 && w.slice(8) >= want.slice(8)) return
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not archive ${want} within ${timeoutMs / 1000} s (last archived: ${w ?? 'none'}); check archive_command in the logs`)
      await new Promise((res) => setTimeout(res, 300))
    }
  }, 5_000)
}
