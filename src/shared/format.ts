/** Bytes as a human reads them (binary units), used by the CLI and the UI alike. */
export function formatBytes(b: number | null): string {
  if (b === null) return '?'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  let v = b
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`
}

/** Seconds left as "45 s", "3 min 20 s" or "2 h 5 min"; "--" when unknown. */
export function formatEta(s: number | null): string {
  if (s === null) return '--'
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
  if (s >= 60) return `${Math.floor(s / 60)} min ${s % 60} s`
  return `${s} s`
}
