import type { Manifest } from '../../shared/schemas/backup'
import type { JobContext } from '../jobs/job-manager'
import { withClient } from '../db/connection'
import { checkStoredHash, openArtifact } from './artifact'
import { isSegment, listManifests, rollForward, segmentNumber } from './catalog'
import { colorContainer, liveColor, type BackupDeps } from './context'
import { execStream } from './exec-stream'

export interface VerifyReport {
  id: string
  ok: boolean
  checks: { name: string; ok: boolean; detail: string }[]
}

const decompress = (c: 'zstd' | 'lz4'): string => (c === 'zstd' ? 'zstd -dc -q' : 'lz4 -dc -q')

/**
 * Verifies a backup without restoring it: the SHA-256 of every stored artifact, then each one
 * decrypted with the private key (the plaintext's SHA-256 checked at its end) and its contents
 * listed by the stack image's own tools (tar listing and backup_label; pg_restore --list; WAL
 * names), then WAL continuity from the base backup to the newest shipped segment.
 */
export async function verifyBackup(d: BackupDeps, m: Manifest, ctx: JobContext): Promise<VerifyReport> {
  const dest = d.store.destination()
  const checks: VerifyReport['checks'] = []
  const total = m.artifacts.reduce((n, a) => n + a.storedBytes, 0) * 2
  let done = 0
  for (const a of m.artifacts) {
    ctx.report({ phase: 'checksum', done, total, unit: 'bytes', message: a.key })
    const stored = await checkStoredHash(dest, a)
    done += a.storedBytes
    checks.push({ name: `sha256 ${a.key}`, ok: stored.ok, detail: stored.ok ? `${stored.bytes} bytes, SHA-256 matches` : `artifact ${a.key} is corrupt: SHA-256 ${stored.actual} (${stored.bytes} bytes), manifest ${a.sha256Stored} (${a.storedBytes} bytes)` })
    if (!stored.ok) continue
    ctx.report({ phase: 'decrypt and list', done, total, unit: 'bytes', message: a.key })
    const lister =
      m.type === 'dump' ? `${decompress(a.compression)} | tee -p >(pg_restore --list >&2) >/dev/null` :
      m.type === 'base' ? `${decompress(a.compression)} | tee -p >(tar -xOf - backup_label >&2) | tar -tf -` :
      `${decompress(a.compression)} | tar -tf -`
    try {
      const plain = await openArtifact(dest, a, d.store.privateKey())
      const container = colorContainer(d, await liveColor(d))
      const exec = await execStream(container, ['bash', '-c', `set -o pipefail; ${lister}; rc=$?; wait $! 2>/dev/null; exit $rc`], { stdin: plain })
      const out: Buffer[] = []
      exec.stdout.on('data', (c: Buffer) => out.push(c))
      let plainError: Error | null = null
      plain.on('error', (e) => (plainError = e))
      const r = await exec.done
      if (plainError) throw plainError
      done += a.storedBytes
      const listing = Buffer.concat(out).toString('utf8').split('\n').filter(Boolean)
      if (r.exitCode !== 0) throw new Error(`listing ${a.key} failed: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`)
      checks.push(describeContents(m, a.key, listing, r.stderr))
    } catch (e) {
      checks.push({ name: `decrypt ${a.key}`, ok: false, detail: (e as Error).message })
    }
  }
  if (m.type === 'base') checks.push(await walContinuity(d, m))
  return { id: m.id, ok: checks.every((c) => c.ok), checks }
}

function describeContents(m: Manifest, key: string, listing: string[], stderr: string): VerifyReport['checks'][number] {
  if (m.type === 'base') {
    const label = /START WAL LOCATION: ([0-9A-F/]+)/.exec(stderr)
    const need = ['PG_VERSION', 'global/pg_control', 'backup_manifest', 'backup_label']
    const missing = need.filter((n) => !listing.includes(n))
    const lsnOk = !m.startLsn || label?.[1] === m.startLsn
    return { name: `contents ${key}`, ok: missing.length === 0 && lsnOk, detail: missing.length ? `missing ${missing.join(', ')}` : `${listing.length} files; backup_label START WAL LOCATION ${label?.[1] ?? '?'}${lsnOk ? ' matches the manifest' : ` differs from the manifest's ${m.startLsn}`}` }
  }
  if (m.type === 'dump') {
    const entries = stderr.split('\n').filter((l) => /^\d+;/.test(l))
    const tables = entries.filter((l) => / TABLE DATA /.test(l)).length
    return { name: `contents ${key}`, ok: entries.length > 0 && tables > 0, detail: `pg_restore --list: ${entries.length} entries, ${tables} tables with data` }
  }
  const missing = m.walSegments.filter((s) => !listing.includes(s))
  return { name: `contents ${key}`, ok: missing.length === 0, detail: missing.length ? `missing ${missing.slice(0, 3).join(', ')}` : `${listing.length} WAL files, as the manifest says` }
}

/** WAL from the base backup's first segment to the newest shipped one without a gap, and how far that is from now. */
async function walContinuity(d: BackupDeps, base: Manifest): Promise<VerifyReport['checks'][number]> {
  const { manifests } = await listManifests(d.store.destination(), d.store.manifestCache)
  const r = rollForward(base, manifests)
  const current = await withClient(d.s.stack.target(base.color), async (c) => (await c.query<{ f: string }>('SELECT pg_walfile_name(pg_current_wal_lsn()) AS f')).rows[0].f, 5000).catch(() => null)
  const hex = (n: number | null) => (n === null ? '-' : n.toString(16).toUpperCase())
  if (r.gapAt !== null) return { name: 'WAL continuity', ok: false, detail: `gap: segment number ${hex(r.gapAt)} is missing after ${hex(r.lastSegment)}; restores are possible only up to ${r.until}` }
  const behind = current && isSegment(current) && r.lastSegment !== null ? segmentNumber(current) - r.lastSegment - 1 : null
  return { name: 'WAL continuity', ok: true, detail: `continuous from the backup to ${r.until}${behind !== null ? `; ${Math.max(0, behind)} segment(s) before the server's current one not yet shipped (still in the WAL archive volume)` : ''}` }
}
