/** One changed value of an audit entry's before/after, by path (e.g. "record.device_name"). */
export interface DiffLine {
  path: string
  kind: 'added' | 'removed' | 'changed' | 'same'
  before: string | null
  after: string | null
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v))

function flatten(v: unknown, prefix: string, out: Map<string, unknown>): void {
  if (isObject(v) && Object.keys(v).length) {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out)
  } else if (prefix) out.set(prefix, v)
  else if (v !== null && v !== undefined) out.set('(value)', v)
}

/**
 * The before/after of an entry as readable lines: nested objects flattened to paths, each path
 * shown once with what it was and what it became. Unchanged values are kept (kind "same") so a
 * summary such as counts of a load reads whole.
 */
export function diffLines(before: unknown, after: unknown): DiffLine[] {
  const b = new Map<string, unknown>()
  const a = new Map<string, unknown>()
  flatten(before, '', b)
  flatten(after, '', a)
  const paths = [...new Set([...b.keys(), ...a.keys()])].sort()
  return paths.map((path) => {
    const inB = b.has(path)
    const inA = a.has(path)
    const vb = inB ? show(b.get(path)) : null
    const va = inA ? show(a.get(path)) : null
    const kind = inB && !inA ? 'removed' : inA && !inB ? 'added' : vb === va ? 'same' : 'changed'
    return { path, kind, before: vb, after: va }
  })
}
