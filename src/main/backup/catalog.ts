import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { Manifest, type BackupCatalog } from '../../shared/schemas/backup'
import type { Destination } from './destination'

export const manifestKey = (id: string): string => `backups/${id}/manifest.json`

async function readAll(r: Readable): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of r) chunks.push(Buffer.from(c as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * Every manifest at the destination, oldest first; an unreadable manifest is reported, not skipped
 * silently. Manifests never change once written, so a local cache (by key and size) saves fetching
 * them again from remote storage.
 */
export async function listManifests(dest: Destination, cacheDir?: string): Promise<{ manifests: Manifest[]; problems: string[] }> {
  const keys = (await dest.list('backups/')).filter((o) => o.key.endsWith('/manifest.json'))
  const manifests: Manifest[] = []
  const problems: string[] = []
  if (cacheDir) mkdirSync(cacheDir, { recursive: true })
  for (const k of keys) {
    try {
      const cached = cacheDir ? join(cacheDir, `${k.key.split('/')[1]}-${k.size}.json`) : null
      const text = cached && existsSync(cached) ? readFileSync(cached, 'utf8') : await readAll(await dest.get(k.key))
      const m = Manifest.parse(JSON.parse(text))
      if (cached && !existsSync(cached)) writeFileSync(cached, text)
      manifests.push(m)
    } catch (e) {
      problems.push(`${k.key}: ${(e as Error).message.split('\n')[0]}`)
    }
  }
  manifests.sort((a, b) => a.stoppedAt.localeCompare(b.stoppedAt))
  return { manifests, problems }
}

export async function readManifest(dest: Destination, id: string): Promise<Manifest> {
  if (!/^[A-Za-z0-9-]+$/.test(id)) throw new Error(`invalid backup id ${id}`)
  return Manifest.parse(JSON.parse(await readAll(await dest.get(manifestKey(id)))))
}

/** Segment number across logs (16 MiB segments: 256 per log), timeline ignored. */
export const segmentNumber = (name: string): number => parseInt(name.slice(8, 16), 16) * 256 + parseInt(name.slice(16, 24), 16)
export const isSegment = (name: string): boolean => /^[0-9A-F]{24}$/.test(name)

/** For one color: the WAL bundles in order, and which segment is shipped in which bundle. */
export function walIndex(manifests: Manifest[], color: string): Map<number, Manifest> {
  const index = new Map<number, Manifest>()
  for (const m of manifests.filter((x) => x.type === 'wal' && x.color === color))
    for (const s of m.walSegments) if (isSegment(s)) index.set(segmentNumber(s), m)
  return index
}

/**
 * How far a base backup can be rolled forward: from its first WAL segment, through every following
 * segment shipped without a gap. Returns the end time (conservative: the time the last contiguous
 * bundle was closed) and the first missing segment when there is a gap.
 */
export function rollForward(base: Manifest, manifests: Manifest[]): { until: string; lastSegment: number | null; gapAt: number | null; bundles: Manifest[] } {
  const index = walIndex(manifests, base.color)
  if (!base.startLsn || base.timeline === null) return { until: base.stoppedAt, lastSegment: null, gapAt: null, bundles: [] }
  const [hi, lo] = base.startLsn.split('/').map((x) => parseInt(x, 16))
  let seg = hi * 256 + Math.floor(lo / 0x1000000)
  let until = base.stoppedAt
  const bundles = new Set<Manifest>()
  let last: number | null = null
  while (index.has(seg)) {
    const m = index.get(seg)!
    bundles.add(m)
    if (m.stoppedAt > until) until = m.stoppedAt
    last = seg
    seg++
  }
  const newest = Math.max(-1, ...index.keys())
  return { until, lastSegment: last, gapAt: newest > seg ? seg : null, bundles: [...bundles] }
}

/** The moments that can be restored: each base backup's consistent point rolled forward, merged. */
export function recoverableRanges(manifests: Manifest[]): BackupCatalog['recoverable'] {
  const ranges = manifests
    .filter((m) => m.type === 'base')
    .map((b) => ({ from: b.stoppedAt, to: rollForward(b, manifests).until }))
    .sort((a, b) => a.from.localeCompare(b.from))
  const merged: BackupCatalog['recoverable'] = []
  for (const r of ranges) {
    const last = merged.at(-1)
    if (last && r.from <= last.to) last.to = r.to > last.to ? r.to : last.to
    else merged.push({ ...r })
  }
  return merged
}
