import type { Reject } from './load-file'

const cell = (v: string | null): string => (v === null ? '' : /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)

/** The reject report as CSV: one line per rejected file or record, with where and why. */
export function rejectsCsv(rejects: Reject[]): string {
  return ['file,position,key,reason', ...rejects.map((r) => [r.file, r.position, r.key, r.reason].map(cell).join(','))].join('\n') + '\n'
}
