import type { Writable } from 'node:stream'
import PDFDocument from 'pdfkit'
import { diffLines } from '../../../shared/audit-diff'
import type { FullEntry } from '../viewer/audit-viewer'

/** What every export states about itself: the range, the filter, who made it and when, and the chain head. */
export interface ExportHeader {
  format: 'fda-offline-audit-export'
  version: 1
  generatedAt: string
  generatedBy: { userId: number | null; username: string; printedName: string | null }
  filter: unknown
  filterText: string
  chainHead: { segment: string; seq: number; hash: string; ts: string } | null
}

export interface EntryWriter {
  begin(h: ExportHeader): Promise<void>
  entry(e: FullEntry, signatures: FullEntry[]): Promise<void>
  end(count: number, range: { firstSeq: number | null; lastSeq: number | null }): Promise<void>
}

const write = (out: Writable, s: string): Promise<void> =>
  out.write(s) ? Promise.resolve() : new Promise((resolve) => out.once('drain', () => resolve()))

const entryJson = (e: FullEntry) => ({
  seq: e.seq, ts: e.ts, userId: e.userId, username: e.username, action: e.action, targetType: e.targetType, targetKey: e.targetKey,
  before: e.before, after: e.after, reason: e.reason, client: e.client, segment: e.segment, prevHash: e.prevHash, hash: e.hash, canonical: e.canonical
})

/** JSON: the header, then every entry with every field and the canonical text its hash covers. */
export function jsonWriter(out: Writable): EntryWriter {
  let first = true
  return {
    begin: (h) => write(out, JSON.stringify(h).slice(0, -1) + ',"entries":[\n'),
    entry: async (e) => {
      await write(out, (first ? '' : '\n,') + JSON.stringify(entryJson(e)))
      first = false
    },
    end: (count, range) => write(out, `\n],"count":${count},"firstSeq":${range.firstSeq},"lastSeq":${range.lastSeq}}\n`)
  }
}

const CSV_COLUMNS = ['seq', 'ts', 'user_id', 'username', 'action', 'target_type', 'target_key', 'before', 'after', 'reason', 'client', 'segment', 'prev_hash', 'hash'] as const

/** Every value exactly as stored (quoted), so the copy is accurate; import it as text in a spreadsheet. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return ''
  const s = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v)
  return `"${s.replace(/"/g, '""')}"`
}

/** CSV: comment lines with the header, then one row per entry with every field including the hashes. */
export function csvWriter(out: Writable): EntryWriter {
  return {
    begin: async (h) => {
      await write(out, `# FDA Offline Console audit trail export; generated ${h.generatedAt} by ${h.generatedBy.printedName ?? h.generatedBy.username} (${h.generatedBy.username})\n`)
      await write(out, `# filter: ${h.filterText}\n# chain head: ${h.chainHead ? `${h.chainHead.segment} ${h.chainHead.seq} ${h.chainHead.hash}` : 'empty'}\n`)
      await write(out, CSV_COLUMNS.join(',') + '\n')
    },
    entry: (e) =>
      write(out, [e.seq, e.ts, e.userId, e.username, e.action, e.targetType, e.targetKey, e.before, e.after, e.reason, e.client, e.segment, e.prevHash, e.hash].map(csvField).join(',') + '\n'),
    end: async () => {}
  }
}

/** PDF: a human-readable copy; each entry with who, when, what, the difference, its hashes and its signatures. */
export function pdfWriter(out: Writable): EntryWriter {
  const doc = new PDFDocument({ size: 'A4', margin: 48, bufferPages: false, info: { Title: 'Audit trail export', Creator: 'FDA Offline Console' } })
  doc.pipe(out)
  const mono = (s: string, size = 7): void => void doc.font('Courier').fontSize(size).fillColor('#333333').text(s)
  const finished = new Promise<void>((resolve, reject) => {
    out.once('finish', () => resolve())
    out.once('error', reject)
  })
  return {
    begin: async (h) => {
      doc.font('Helvetica-Bold').fontSize(16).fillColor('black').text('Audit trail export (21 CFR Part 11)')
      doc.moveDown(0.3).font('Helvetica').fontSize(9)
      doc.text(`Generated: ${h.generatedAt} (UTC) by ${h.generatedBy.printedName ?? '—'} (${h.generatedBy.username}, user id ${h.generatedBy.userId ?? '—'})`)
      doc.text(`Filter: ${h.filterText}`)
      doc.text(`Chain head at generation: ${h.chainHead ? `entry ${h.chainHead.seq} at ${h.chainHead.ts}` : 'the trail is empty'}`)
      if (h.chainHead) mono(`head hash ${h.chainHead.hash}`, 8)
      doc.moveDown(0.5)
    },
    entry: async (e, signatures) => {
      doc.moveDown(0.4).font('Helvetica-Bold').fontSize(10).fillColor('black')
        .text(`#${e.seq}  ${e.action}${e.targetType ? `  on ${e.targetType}${e.targetKey ? ` ${e.targetKey}` : ''}` : ''}`)
      doc.font('Helvetica').fontSize(8.5)
        .text(`When: ${e.ts} (UTC, database time)   Who: ${e.username ?? '—'}${e.userId !== null ? ` (user id ${e.userId})` : ''}   Client: ${e.client}   Segment: ${e.segment}`)
      if (e.reason) doc.text(`Reason / meaning: ${e.reason}`)
      const lines = diffLines(e.before, e.after)
      for (const l of lines.slice(0, 30)) {
        const text = l.kind === 'changed' ? `${l.path}: ${l.before} -> ${l.after}` : l.kind === 'removed' ? `${l.path}: ${l.before} (removed)` : `${l.path}: ${l.after}`
        doc.fontSize(8).fillColor('#222222').text(`  ${text.length > 300 ? text.slice(0, 300) + '…' : text}`)
      }
      if (lines.length > 30) doc.fontSize(8).fillColor('#555555').text(`  … ${lines.length - 30} more values (in the CSV and JSON exports)`)
      for (const s of signatures) {
        const a = (s.after ?? {}) as Record<string, unknown>
        doc.fontSize(8.5).fillColor('#0b3d91').text(`  Signed (${String(a.meaning ?? s.reason)}) by ${String(a.printedName ?? s.username)} (${s.username}) at ${s.ts} — signature entry #${s.seq}`)
      }
      mono(`prev ${e.prevHash}\nhash ${e.hash}`)
    },
    end: async (count, range) => {
      doc.moveDown(1).font('Helvetica-Bold').fontSize(9).fillColor('black')
        .text(`${count} entries${range.firstSeq !== null ? `, from entry ${range.firstSeq} to entry ${range.lastSeq}` : ''}. End of export.`)
      doc.end()
      await finished
    }
  }
}
