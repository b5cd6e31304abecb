import { formatBytes as size } from '../../shared/format'
import type { StackStatus } from '../../shared/schemas'

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
