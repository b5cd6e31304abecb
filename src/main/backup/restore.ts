import pg from 'pg'
import type { DrillResult, Manifest } from '../../shared/schemas/backup'
import { AuditService } from '../audit/audit-service'
import { contentChecksum } from '../db/checksum'
import type { JobContext } from '../jobs/job-manager'
import { ENDPOINTS, ENDPOINT_DEFS } from '../openfda/endpoints'
import { StackError } from '../stack/stack-error'
import { openArtifact } from './artifact'
import { listManifests, rollForward } from './catalog'
import { type BackupDeps } from './context'
import { execStream, execText } from './exec-stream'
import { endpointFacts } from './facts'
import { PGDATA, RESTORE_WAL, startScratchPostgres, waitPromoted, type ScratchHandle } from './scratch'

export type RestoreTarget = { kind: 'immediate' } | { kind: 'time'; time: string } | { kind: 'latest' }

const decompress = (a: { compression: 'zstd' | 'lz4' }): string => (a.compression === 'zstd' ? 'zstd -dc -q' : 'lz4 -dc -q')

/** Streams one artifact (decrypted, checked) into a command in the container. */
async function pipeArtifactInto(d: BackupDeps, h: ScratchHandle, m: Manifest, index: number, shell: string): Promise<void> {
  const a = m.artifacts[index]
  const source = await openArtifact(d.store.destination(), a, d.store.privateKey())
  const exec = await execStream(h.container, ['bash', '-c', `set -o pipefail; ${decompress(a)} | ${shell}`], { stdin: source })
  exec.stdout.resume()
  let sourceError: Error | null = null
  source.on('error', (e) => (sourceError = e))
  const result = await exec.done.catch((e: Error) => ({ exitCode: -1, stderr: e.message }))
  if (sourceError) throw sourceError
  if (result.exitCode !== 0) throw new Error(`restoring ${a.key} failed (exit ${result.exitCode}): ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`)
}

/** Chooses the base backup to restore a moment from: the newest whose consistent point is at or before it and whose WAL reaches it. */
export function chooseBase(manifests: Manifest[], time: string): Manifest {
  const bases = manifests.filter((m) => m.type === 'base' && m.stoppedAt <= time).sort((a, b) => b.stoppedAt.localeCompare(a.stoppedAt))
  for (const b of bases) if (rollForward(b, manifests).until >= time || b === bases[0]) return b
  throw new StackError('INVALID_REQUEST', `No base backup was taken before ${time}.`, 'Choose a time after the oldest base backup (see `fda-offline backup list`).')
}

/**
 * Physical restore into a prepared (empty) data directory: the base backup, the WAL bundles it needs
 * from the destination, recovery settings for the target, then PostgreSQL is started and waited for
 * until recovery has ended and it has promoted. The stack's WAL archive (mounted read-only) supplies
 * WAL not yet shipped, which is what keeps the recovery point within archive_timeout of a failure.
 */
export async function restorePhysical(d: BackupDeps, h: ScratchHandle, base: Manifest, target: RestoreTarget, ctx: JobContext, start = true): Promise<void> {
  const { manifests } = await listManifests(d.store.destination(), d.store.manifestCache)
  const bytes = base.artifacts[0].storedBytes
  ctx.report({ phase: 'restore base', done: 0, total: bytes, unit: 'bytes', message: `restoring ${base.id}` })
  await pipeArtifactInto(d, h, base, 0, `tar -x -C ${PGDATA}`)
  if (target.kind !== 'immediate') {
    const bundles = rollForward(base, manifests).bundles
    let n = 0
    for (const w of bundles) {
      ctx.report({ phase: 'restore WAL', done: ++n, total: bundles.length, unit: 'WAL bundles' })
      await pipeArtifactInto(d, h, w, 0, `(mkdir -p ${RESTORE_WAL} && tar -x -C ${RESTORE_WAL})`)
    }
  }
  const archive = `/var/lib/fda/wal-archive/${base.color}`
  const settings = [
    `restore_command = 'cp ${RESTORE_WAL}/%f %p 2>/dev/null || cp ${archive}/%f %p'`,
    target.kind === 'immediate' ? "recovery_target = 'immediate'" : null,
    target.kind === 'time' ? `recovery_target_time = '${pgTimestamp(target.time)}'` : null,
    "recovery_target_action = 'promote'"
  ].filter(Boolean).join('\n')
  await execText(h.container, ['bash', '-c',
    `printf '%s\\n' "$0" >> ${PGDATA}/postgresql.auto.conf && touch ${PGDATA}/recovery.signal && chown -R postgres:postgres ${PGDATA} && chmod 0700 ${PGDATA}`, settings])
  if (!start) return
  ctx.report({ phase: 'recover', message: 'replaying WAL' })
  await startScratchPostgres(h)
  await waitPromoted(h, d.s.stack.target('blue').password, 60 * 60_000, ctx.signal)
}

/** PostgreSQL's timestamptz input form, in UTC: 2026-11-29 13:39:58.472+00. */
const pgTimestamp = (iso: string): string => new Date(iso).toISOString().replace('T', ' ').replace('Z', '+00')

/** Logical restore: an initialised scratch cluster, the application roles, then pg_restore from the stream. */
export async function restoreDump(d: BackupDeps, h: ScratchHandle, dump: Manifest, ctx: JobContext): Promise<void> {
  const password = d.s.stack.target('blue').password
  ctx.report({ phase: 'initialise', message: 'new scratch cluster' })
  await execText(h.container, ['bash', '-c', `pw=$(mktemp) && printf '%s' "$0" > $pw && chown postgres $pw && runuser -u postgres -- initdb -D ${PGDATA} -U fda_admin --pwfile=$pw -E UTF8 --locale=C.UTF-8 --auth-local=peer --auth-host=scram-sha-256 >/dev/null && rm -f $pw && echo "include_if_exists = '/etc/fda/postgresql.fda.conf'" >> ${PGDATA}/postgresql.conf`, password])
  await startScratchPostgres(h)
  await execText(h.container, ['bash', '-c', `for i in $(seq 1 240); do pg_isready -q -h 127.0.0.1 -p ${h.port} -d postgres && exit 0; sleep 0.5; done; exit 1`], 'waiting for the scratch cluster')
  await execText(h.container, ['bash', '-c', `PGPASSWORD="$0" psql -h 127.0.0.1 -p ${h.port} -U fda_admin -d postgres -v ON_ERROR_STOP=1 -qc "CREATE DATABASE mirror" -c "CREATE ROLE fda_app NOLOGIN" -c "CREATE ROLE fda_reader NOLOGIN"`, password])
  ctx.report({ phase: 'restore dump', done: 0, total: dump.artifacts[0].storedBytes, unit: 'bytes' })
  await pipeArtifactInto(d, h, dump, 0, `PGPASSWORD='${password.replace(/'/g, "'\\''")}' pg_restore -h 127.0.0.1 -p ${h.port} -U fda_admin -d mirror --exit-on-error --no-owner`)
}

/** Opens an admin connection to the restored cluster. */
export async function scratchClient(d: BackupDeps, h: ScratchHandle): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port: h.port, user: 'fda_admin', password: d.s.stack.target('blue').password, database: 'mirror', connectionTimeoutMillis: 5000 })
  c.on('error', () => {})
  await c.connect()
  return c
}

/**
 * Integrity checks of a restored cluster: rows and record-checksum digests per endpoint against the
 * manifest (when the restore is at the backup's own consistent point), a sample of records
 * recomputed against their content checksums, and the audit hash chain (which must contain the
 * chain head the manifest recorded).
 */
export async function integrityChecks(d: BackupDeps, c: pg.Client, m: Manifest, exactPoint: boolean): Promise<DrillResult['checks']> {
  const checks: DrillResult['checks'] = []
  const restored = await endpointFacts(c)
  for (const e of ENDPOINTS) {
    const want = m.endpoints[e]
    const got = restored[e]
    if (!want) continue
    if (exactPoint && !m.changedDuringBackup) {
      checks.push({ name: `rows ${e}`, ok: want.rows === got.rows && want.digest === got.digest, detail: `${got.rows} rows restored, manifest ${want.rows}; digest ${got.digest === want.digest ? 'matches' : `differs (${got.digest} vs ${want.digest})`}` })
    } else {
      checks.push({ name: `rows ${e}`, ok: true, detail: `${got.rows} rows restored (manifest ${want.rows} at ${m.stoppedAt}; not compared: ${exactPoint ? 'rows changed while the backup ran' : 'restored to another moment'})` })
    }
  }
  const key = d.s.db.checksumKey()
  let sampled = 0
  const bad: string[] = []
  for (const e of ENDPOINTS) {
    const def = ENDPOINT_DEFS[e]
    const r = await c.query<{ k: string; full: unknown; checksum: string }>(
      `SELECT ${def.keyColumns.join(" || '/' || ")} AS k, record || coalesce(pgp_sym_decrypt(sensitive, $1)::jsonb, '{}') AS full, checksum
         FROM openfda.${def.table} ORDER BY random() LIMIT 200`, [key])
    for (const row of r.rows) {
      sampled++
      if (contentChecksum(key, row.full) !== row.checksum && bad.length < 5) bad.push(`${e}/${row.k}`)
    }
  }
  checks.push({ name: 'content checksums', ok: bad.length === 0, detail: bad.length ? `records whose content does not match their checksum: ${bad.join(', ')}` : `${sampled} sampled records recomputed, all match` })
  const chain = await new AuditService(d.s.db).verify({ client: c })
  checks.push({ name: 'audit chain', ok: chain.ok, detail: chain.ok ? `${chain.checked} entries verify, head ${chain.head?.seq ?? '-'}` : `broken at ${chain.broken?.seq}: ${chain.broken?.reason}` })
  if (m.auditHead) {
    const h = await c.query<{ hash: string }>("SELECT hash FROM console.audit_log WHERE segment = 'main' AND seq = $1", [m.auditHead.seq])
    checks.push({ name: 'audit head in manifest', ok: h.rows[0]?.hash === m.auditHead.hash, detail: h.rows[0]?.hash === m.auditHead.hash ? `entry ${m.auditHead.seq} present with the recorded hash` : `entry ${m.auditHead.seq} missing or different` })
  }
  return checks
}

/** The newest transaction replayed (physical restores), for the recovery point. */
export async function lastReplayed(c: pg.Client): Promise<string | null> {
  const r = await c.query<{ t: Date | null }>('SELECT pg_last_xact_replay_timestamp() AS t')
  return r.rows[0].t ? r.rows[0].t.toISOString() : null
}
