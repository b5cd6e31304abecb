import { createHash } from 'node:crypto'
import { createReadStream, readFileSync } from 'node:fs'
import { isDeepStrictEqual } from 'node:util'
import { createInterface } from 'node:readline'
import type { FullEntry } from '../viewer/audit-viewer'

/** A chain head filed earlier: from `fda-offline audit head`, a backup manifest or a previous export. */
export interface FiledHead {
  hash: string
  seq: number | null
  source: string
}

export interface ExportVerification {
  ok: boolean
  file: string
  entries: number
  firstSeq: number | null
  lastSeq: number | null
  /** True when the export holds every entry of its range (no filter on user, action, target or text), so every link is checked. */
  contiguous: boolean
  links: { checked: number; unlinked: number }
  head: { hash: string; seq: number | null; found: boolean; detail: string } | null
  problems: { where: string; reason: string }[]
}

type Entry = FullEntry

const HEX64 = /^[0-9a-f]{64}$/
const NARROWING = ['users', 'userId', 'actions', 'targetType', 'targetKey', 'text']

/**
 * Re-checks an exported JSON audit trail offline, with nothing but this file: every entry's hash
 * against the canonical text it covers and the fields shown, every link between consecutive entries,
 * the counts, and (when given) that the export contains a chain head filed earlier with the same hash.
 */
export async function verifyExport(file: string, filed?: FiledHead | null): Promise<ExportVerification> {
  const problems: ExportVerification['problems'] = []
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })
  let header: Record<string, unknown> | null = null
  let trailer: Record<string, unknown> | null = null
  const lastBySegment = new Map<string, Entry>()
  let entries = 0
  let firstSeq: number | null = null
  let lastSeq: number | null = null
  let lastSeen = -1
  let checked = 0
  let unlinked = 0
  let headFound: { seq: number; hash: string } | null = null
  let lineNo = 0
  let contiguous = false
  for await (const raw of lines) {
    lineNo++
    if (lineNo === 1) {
      if (!raw.endsWith(',"entries":[')) return wholeFileFallback(file, filed)
      header = tryParse(raw.slice(0, -',"entries":['.length) + '}')
      if (!header || header.format !== 'fda-offline-audit-export') {
        problems.push({ where: 'line 1', reason: 'this is not an audit trail export of FDA Offline Console (its header does not parse)' })
        break
      }
      const f = (header.filter ?? {}) as Record<string, unknown>
      contiguous = !NARROWING.some((k) => f[k] !== undefined)
      continue
    }
    if (raw.startsWith(']')) {
      trailer = tryParse('{' + raw.slice(2))
      if (!trailer) problems.push({ where: `line ${lineNo}`, reason: 'the closing part of the file does not parse' })
      continue
    }
    const text = raw.replace(/^,/, '').replace(/,$/, '')
    if (!text.trim()) continue
    const e = tryParse(text) as Entry | null
    if (!e || typeof e.seq !== 'number') {
      problems.push({ where: `line ${lineNo}`, reason: 'this line is not a valid entry (the file was altered or cut short)' })
      continue
    }
    entries++
    firstSeq ??= e.seq
    if (e.seq <= lastSeen) problems.push({ where: `entry ${e.seq}`, reason: `it comes after entry ${lastSeen}: entries are out of order` })
    lastSeen = e.seq
    lastSeq = e.seq
    const bad = checkEntry(e)
    if (bad) problems.push({ where: `entry ${e.seq}`, reason: bad })
    const before = lastBySegment.get(e.segment)
    if (before) {
      if (e.prevHash === before.hash) checked++
      else if (contiguous)
        problems.push({ where: `entry ${e.seq}`, reason: `it does not link to entry ${before.seq} before it (its previous hash ${e.prevHash.slice(0, 12)}… is not ${before.hash.slice(0, 12)}…): an entry between them is missing or was altered` })
      else unlinked++
    }
    lastBySegment.set(e.segment, e)
    if (filed && (e.hash === filed.hash || (filed.seq !== null && e.seq === filed.seq))) headFound = { seq: e.seq, hash: e.hash }
  }
  if (!header) problems.push({ where: 'file', reason: 'the file is empty' })
  else if (!trailer) problems.push({ where: 'end of file', reason: 'the file is cut short (its closing part is missing)' })
  else {
    if (trailer.count !== entries) problems.push({ where: 'end of file', reason: `it says ${String(trailer.count)} entries, the file holds ${entries}` })
    if (trailer.firstSeq !== firstSeq || trailer.lastSeq !== lastSeq) problems.push({ where: 'end of file', reason: `it names entries ${String(trailer.firstSeq)} to ${String(trailer.lastSeq)}, the file holds ${firstSeq} to ${lastSeq}` })
  }
  let head: ExportVerification['head'] = null
  if (filed) {
    const detail = !headFound
      ? `the export does not contain entry ${filed.seq ?? '?'} with hash ${filed.hash.slice(0, 12)}… (from ${filed.source}): export a range that includes it, e.g. --from-seq 1`
      : headFound.hash !== filed.hash
        ? `entry ${headFound.seq} has hash ${headFound.hash.slice(0, 12)}…, but the filed head (${filed.source}) says ${filed.hash.slice(0, 12)}…: the trail was altered after the head was filed`
        : `entry ${headFound.seq} has the filed hash (${filed.source})${contiguous ? ', and every later entry in the export links onto it' : ''}`
    const found = headFound !== null && headFound.hash === filed.hash
    if (!found) problems.push({ where: 'chain head', reason: detail })
    if (found && !contiguous) problems.push({ where: 'chain head', reason: 'a filtered export cannot show that the entries after the head link onto it: export an unfiltered range to check against a head' })
    head = { hash: filed.hash, seq: headFound?.seq ?? filed.seq, found, detail }
  }
  return { ok: problems.length === 0, file, entries, firstSeq, lastSeq, contiguous, links: { checked, unlinked }, head, problems }
}

/** An entry's hash must cover its canonical text, and the canonical text must say what the entry's fields say. */
function checkEntry(e: Entry): string | null {
  if (!HEX64.test(e.hash ?? '') || !HEX64.test(e.prevHash ?? '')) return 'its hash or previous hash is not a SHA-256 value'
  if (typeof e.canonical !== 'string') return 'it has no canonical text'
  const computed = createHash('sha256').update(`${e.prevHash}\n${e.canonical}`, 'utf8').digest('hex')
  if (computed !== e.hash) return `its content does not match its hash (stored ${e.hash.slice(0, 12)}…, computed ${computed.slice(0, 12)}…)`
  const c = tryParse(e.canonical) as unknown[] | null
  const shown = [e.seq, e.ts, e.userId, e.username, e.action, e.targetType, e.targetKey, e.before, e.after, e.reason, e.client, e.segment, e.prevHash]
  const names = ['seq', 'ts', 'userId', 'username', 'action', 'targetType', 'targetKey', 'before', 'after', 'reason', 'client', 'segment', 'prevHash']
  if (!Array.isArray(c) || c.length !== shown.length) return 'its canonical text is not what the console writes'
  const differs = names.filter((_, i) => !isDeepStrictEqual(c[i], shown[i]))
  return differs.length ? `its ${differs.join(', ')} differ${differs.length === 1 ? 's' : ''} from what its hash covers: the entry was altered` : null
}

function tryParse(s: string): Record<string, unknown> | null {
  try {
    return JSON.parse(s) as Record<string, unknown>
  } catch {
    return null
  }
}

/** A re-formatted (pretty-printed) export: parse it whole and check it the same way. */
async function wholeFileFallback(file: string, filed?: FiledHead | null): Promise<ExportVerification> {
  const doc = tryParse(readFileSync(file, 'utf8'))
  const fail = (reason: string): ExportVerification => ({ ok: false, file, entries: 0, firstSeq: null, lastSeq: null, contiguous: false, links: { checked: 0, unlinked: 0 }, head: null, problems: [{ where: 'file', reason }] })
  if (!doc || doc.format !== 'fda-offline-audit-export' || !Array.isArray(doc.entries)) return fail('this is not an audit trail export of FDA Offline Console (it does not parse as one)')
  const { entries, count, firstSeq, lastSeq, ...header } = doc
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs')
  const { join } = await import('node:path')
  const { tmpdir } = await import('node:os')
  const dir = mkdtempSync(join(tmpdir(), 'fda-verify-'))
  try {
    const canonicalFile = join(dir, 'export.json')
    const body = (entries as unknown[]).map((e) => JSON.stringify(e)).join('\n,')
    writeFileSync(canonicalFile, `${JSON.stringify(header).slice(0, -1)},"entries":[\n${body}\n],"count":${JSON.stringify(count)},"firstSeq":${JSON.stringify(firstSeq)},"lastSeq":${JSON.stringify(lastSeq)}}\n`)
    return { ...(await verifyExport(canonicalFile, filed)), file }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Reads a filed chain head: a 64-hex hash, the line `fda-offline audit head` prints, a backup
 * manifest or a previous export (JSON: the first object under a key containing "head" with a hash).
 */
export function readFiledHead(opts: { head?: string; headFile?: string }): FiledHead | null {
  if (opts.head) {
    const h = opts.head.trim().toLowerCase()
    if (!HEX64.test(h)) throw new Error(`--head must be a SHA-256 hash (64 hexadecimal characters), got "${opts.head.slice(0, 80)}"`)
    return { hash: h, seq: null, source: '--head' }
  }
  if (!opts.headFile) return null
  const text = readFileSync(opts.headFile, 'utf8')
  const source = opts.headFile
  const json = tryParse(text)
  if (json) {
    const found = findHead(json)
    if (found) return { ...found, source }
    throw new Error(`${source} holds no chain head (an object under a key named like "head" with a 64-hex "hash")`)
  }
  const m = /(?:(\d+)\s+\S+\s+)?\b([0-9a-f]{64})\b/.exec(text)
  if (!m) throw new Error(`${source} holds no chain head hash`)
  return { hash: m[2], seq: m[1] ? Number(m[1]) : null, source }
}

function findHead(v: unknown, underHead = false): { hash: string; seq: number | null } | null {
  if (typeof v !== 'object' || v === null) return null
  const o = v as Record<string, unknown>
  if (underHead && typeof o.hash === 'string' && HEX64.test(o.hash)) return { hash: o.hash, seq: typeof o.seq === 'number' ? o.seq : null }
  for (const [k, x] of Object.entries(o)) {
    if (k === 'entries') continue
    const r = findHead(x, underHead || /head/i.test(k))
    if (r) return r
  }
  return null
}
