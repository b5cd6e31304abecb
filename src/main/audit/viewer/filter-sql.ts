import type { AuditFilter } from '../../../shared/contracts/audit-viewer'

/**
 * Turns a viewer filter into a WHERE clause. Every value is a bind parameter; the only identifiers
 * are the fixed column names written here, so nothing a user types ever becomes SQL text.
 */
export function filterSql(f: AuditFilter, params: unknown[] = []): { where: string; params: unknown[] } {
  const parts: string[] = []
  const p = (v: unknown): string => {
    params.push(v)
    return `$${params.length}`
  }
  if (f.users?.length) parts.push(`a.username = ANY(${p(f.users)}::text[])`)
  if (f.userId !== undefined) parts.push(`a.user_id = ${p(f.userId)}`)
  if (f.actions?.length) {
    const exact = f.actions.filter((x) => !x.endsWith('.'))
    const prefixes = f.actions.filter((x) => x.endsWith('.'))
    const any: string[] = []
    if (exact.length) any.push(`a.action = ANY(${p(exact)}::text[])`)
    for (const pre of prefixes) any.push(`a.action LIKE ${p(likeEscape(pre) + '%')}`)
    parts.push(`(${any.join(' OR ')})`)
  }
  if (f.targetType !== undefined) parts.push(`a.target_type = ${p(f.targetType)}`)
  if (f.targetKey !== undefined) parts.push(`a.target_key = ${p(f.targetKey)}`)
  if (f.from !== undefined) parts.push(`a.ts >= ${p(f.from)}::timestamptz`)
  if (f.to !== undefined) parts.push(`a.ts < ${p(f.to)}::timestamptz`)
  if (f.fromSeq !== undefined) parts.push(`a.seq >= ${p(f.fromSeq)}`)
  if (f.toSeq !== undefined) parts.push(`a.seq <= ${p(f.toSeq)}`)
  if (f.segment !== undefined) parts.push(`a.segment = ${p(f.segment)}`)
  const text = f.text?.trim().toLowerCase()
  if (text)
    parts.push(`console.audit_search_text(a.action, a.username, a.target_type, a.target_key, a.reason, a.before, a.after) LIKE ${p('%' + likeEscape(text) + '%')}`)
  return { where: parts.length ? parts.join(' AND ') : 'true', params }
}

/** LIKE treats % and _ as wildcards and \ as escape: a search for "50%" means the characters 5, 0, %. */
export function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c)
}

/** A readable one-line description of a filter, for export headers and the trail. */
export function describeFilter(f: AuditFilter): string {
  const d: string[] = []
  if (f.users?.length) d.push(`user ${f.users.join(' or ')}`)
  if (f.userId !== undefined) d.push(`user id ${f.userId}`)
  if (f.actions?.length) d.push(`action ${f.actions.map((a) => (a.endsWith('.') ? a + '*' : a)).join(' or ')}`)
  if (f.targetType !== undefined) d.push(`target type ${f.targetType}`)
  if (f.targetKey !== undefined) d.push(`target key ${f.targetKey}`)
  if (f.from !== undefined) d.push(`from ${f.from}`)
  if (f.to !== undefined) d.push(`before ${f.to}`)
  if (f.fromSeq !== undefined) d.push(`from entry ${f.fromSeq}`)
  if (f.toSeq !== undefined) d.push(`up to entry ${f.toSeq}`)
  if (f.segment !== undefined) d.push(`segment ${f.segment}`)
  if (f.text?.trim()) d.push(`containing "${f.text.trim()}"`)
  return d.length ? d.join('; ') : 'all entries'
}
