import type { Reject } from './load-file'

/**
 * The report's order: by file, then by place in the file (record 2 before record 10). Files load two
 * at a time, so the time a reject was written says little.
 */
export const REJECT_ORDER = "file, nullif(substring(position from '[0-9]+'), '')::bigint NULLS FIRST, position"

const cell = (v: string | null): string => (v === null ? '' : /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)

/** The reject report as CSV: one line per rejected file or record, with where and why. */
export function rejectsCsv(rejects: Reject[]): string {
  return ['file,position,key,reason', ...rejects.map((r) => [r.file, r.position, r.key, r.reason].map(cell).join(','))].join('\n') + '\n'
}
