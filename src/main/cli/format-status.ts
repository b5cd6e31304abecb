import { formatBytes as size } from '../../shared/format'
import type { MigrationSummary, StackStatus } from '../../shared/schemas'

export function formatStatus(s: StackStatus): string {
  const out: string[] = []
  out.push(`Stack ${s.stackName}: ${s.healthy ? 'healthy' : 'NOT healthy'}   live color: ${s.liveColor?.toUpperCase() ?? '-'}`)
  out.push(`Docker ${s.docker.version} (API ${s.docker.apiVersion})   image ${s.image.tag} ${s.image.present ? 'present' : 'missing'}`)
  out.push('')
  out.push('ROLE       CONTAINER            STATE      HEALTH     PORT   VERSION')
  for (const c of s.containers)
    out.push(`${c.role.toUpperCase().padEnd(10)} ${c.name.padEnd(20)} ${c.state.padEnd(10)} ${c.health.padEnd(10)} ${String(c.port).padEnd(6)} ${c.version ?? ''}${c.detail ? `  (${c.detail})` : ''}`)
  if (s.pgbouncer.pools.length) {
    out.push('')
    out.push('POOL                 CLIENTS(active/waiting)  SERVERS(active/idle)  MAXWAIT')
    for (const p of s.pgbouncer.pools)
      out.push(`${`${p.database}/${p.user}`.padEnd(20)} ${`${p.clientsActive}/${p.clientsWaiting}`.padEnd(24)} ${`${p.serversActive}/${p.serversIdle}`.padEnd(21)} ${p.maxWaitSeconds.toFixed(1)} s`)
  }
  out.push('')
  for (const v of s.volumes) out.push(`volume ${v.name.padEnd(24)} ${size(v.sizeBytes)}`)
  out.push(`disk   ${s.disk.path}: ${size(s.disk.freeBytes)} free of ${size(s.disk.totalBytes)}`)
  return out.join('\n')
}

export function formatMigration(r: MigrationSummary): string {
  const out = [
    `Import ${r.runId} of ${r.source} in ${r.seconds.toFixed(1)} s`,
    `files:   ${r.files.total} (${r.files.staged} loaded, ${r.files.skipped} without records, ${r.files.rejected} rejected)`,
    `records: ${r.records.read} read, ${r.records.inserted} new, ${r.records.updated} updated, ${r.records.unchanged} unchanged, ${r.records.superseded} superseded by a newer copy, ${r.records.rejected} rejected`,
    '',
    'ENDPOINT        EXPECTED  PRESENT  CHECKSUMS RE-COMPUTED  MISMATCHES  RESULT'
  ]
  for (const v of r.verification)
    out.push(`${v.endpoint.padEnd(15)} ${String(v.expected).padEnd(9)} ${String(v.present).padEnd(8)} ${`${v.recomputed}${v.sampled ? ' (sample)' : ''}`.padEnd(22)} ${String(v.checksumMismatches).padEnd(11)} ${v.ok ? 'verified' : 'FAILED'}`)
  if (Object.keys(r.rejectsByReason).length) {
    out.push('', 'REJECTED (by reason)')
    for (const [reason, n] of Object.entries(r.rejectsByReason)) out.push(`${String(n).padStart(7)}  ${reason}`)
    out.push(`reject report: ${r.rejectReport}`)
  }
  if (r.backup) out.push('', `source backup: ${r.backup.file} (SHA-256 ${r.backup.sha256})`)
  out.push('', r.verified ? 'Verified: every expected key is present with its content checksum.' : 'NOT verified: see the table above.')
  return out.join('\n')
}
