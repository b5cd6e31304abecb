import { join } from 'node:path'
import { Option, type Command } from 'commander'
import type { AuditFilter } from '../../../shared/contracts/audit-viewer'
import { readFiledHead, verifyExport, type ExportVerification } from '../../audit/export/verify-export'
import { ExitError, type CliKit } from '../main'

const collect = (v: string, prev: string[] = []): string[] => [...prev, v]

/** Filter options shared by `audit export` and `audit list` (--by, not --user: that one signs in). */
function filterOptions(c: Command): Command {
  return c
    .option('--by <username>', 'entries by this user (repeatable)', collect)
    .option('--action <action>', 'this action, or a prefix ending in "." such as user. (repeatable)', collect)
    .option('--target-type <type>', 'target type, e.g. setting, audit, 510k')
    .option('--target-key <key>', 'target key')
    .option('--from <time>', 'from this time (ISO 8601, e.g. 2026-01-31T00:00:00Z)')
    .option('--to <time>', 'before this time (ISO 8601)')
    .option('--from-seq <n>', 'from this entry')
    .option('--to-seq <n>', 'up to this entry')
    .option('--text <text>', 'containing this text')
    .option('--segment <segment>', 'chain segment (main, refresh-…)')
}

interface FilterOpts {
  by?: string[]
  action?: string[]
  targetType?: string
  targetKey?: string
  from?: string
  to?: string
  fromSeq?: string
  toSeq?: string
  text?: string
  segment?: string
}

function toFilter(o: FilterOpts): AuditFilter {
  const int = (name: string, v?: string): number | undefined => {
    if (v === undefined) return undefined
    if (!/^\d+$/.test(v)) throw new ExitError(2, `${name}: "${v}" is not an entry number`)
    return Number(v)
  }
  const time = (name: string, v?: string): string | undefined => {
    if (v === undefined) return undefined
    const d = new Date(v)
    if (Number.isNaN(d.getTime())) throw new ExitError(2, `${name}: "${v}" is not a time (use ISO 8601, e.g. 2026-01-31T00:00:00Z)`)
    return d.toISOString()
  }
  return {
    users: o.by, actions: o.action, targetType: o.targetType, targetKey: o.targetKey, from: time('--from', o.from), to: time('--to', o.to),
    fromSeq: int('--from-seq', o.fromSeq), toSeq: int('--to-seq', o.toSeq), text: o.text, segment: o.segment
  }
}

export function formatVerification(r: ExportVerification): string {
  const lines = [
    `${r.ok ? 'export verified' : 'export DOES NOT VERIFY'}: ${r.file}`,
    `  ${r.entries} entries${r.firstSeq !== null ? `, ${r.firstSeq} to ${r.lastSeq}` : ''}; ${r.links.checked} links checked${r.contiguous ? ' (complete range: every link)' : `, ${r.links.unlinked} gaps left by the filter`}`
  ]
  if (r.head?.found) lines.push(`  chain head: ${r.head.detail}`)
  for (const p of r.problems.slice(0, 50)) lines.push(`  ${p.where}: ${p.reason}`)
  if (r.problems.length > 50) lines.push(`  … ${r.problems.length - 50} more problems`)
  return lines.join('\n')
}

/** `audit verify --export FILE`: offline, no stack, no sign-in. Exit 1 when anything does not verify. */
export async function verifyExportCommand(kit: CliKit, o: { export: string; head?: string; headFile?: string }): Promise<void> {
  let filed
  try {
    filed = readFiledHead({ head: o.head, headFile: o.headFile })
  } catch (e) {
    throw new ExitError(2, (e as Error).message)
  }
  const r = await verifyExport(o.export, filed)
  kit.print(r, () => formatVerification(r))
  if (!r.ok) throw new ExitError(1, `the export does not verify: ${r.problems[0].where}: ${r.problems[0].reason}`)
}

export function registerAuditViewerCommands(kit: CliKit): void {
  kit.program.commands
    .find((c) => c.name() === 'bench')!
    .command('audit')
    .description('fill a stack of its own with audit entries (default 1,000,000) and time the audit viewer: first rows, page to page, filters, chain status')
    .addOption(new Option('--entries <n>', 'audit entries to create').default('1000000'))
    .addOption(new Option('--pages <n>', 'pages to follow per filter').default('50'))
    .option('--keep', 'keep the bench stack afterwards')
    .action(async (o: { entries: string; pages: string; keep?: boolean }) => {
      const { runAuditViewerBench } = await import('../../bench/audit-viewer-bench')
      const { createServices } = await import('../../app/services')
      const home = createServices({ host: 'cli', home: kit.globals().home }).home
      const r = await runAuditViewerBench({
        entries: Number(o.entries), pages: Number(o.pages), keep: Boolean(o.keep), resultsDir: join(home, 'bench'), log: (l) => process.stderr.write(l + '\n')
      })
      if (kit.json()) process.stdout.write(JSON.stringify(r, null, 2) + '\n')
    })
  const audit = kit.program.commands.find((c) => c.name() === 'audit')!
  filterOptions(
    audit
      .command('export')
      .description('write the (filtered) trail as PDF, CSV or JSON with every field and hash; the export is itself recorded in the trail')
      .addOption(new Option('--format <format>', 'pdf (human-readable), csv or json (electronic)').choices(['pdf', 'csv', 'json']).makeOptionMandatory())
      .requiredOption('--out <file>', 'file to write')
  ).action(async (o: FilterOpts & { format: 'pdf' | 'csv' | 'json'; out: string }) => {
    const { api } = await kit.open()
    const r = await api.audit.exportFile({ format: o.format, filter: toFilter(o), out: o.out })
    kit.print(r, () => `${r.entries} ${r.entries === 1 ? 'entry' : 'entries'} written to ${r.file} (${r.bytes} bytes, SHA-256 ${r.sha256}); recorded as audit entry ${r.auditSeq}`)
  })
  filterOptions(
    audit
      .command('list')
      .description('entries, newest first')
      .addOption(new Option('--limit <n>').default('50'))
  ).action(async (o: FilterOpts & { limit: string }) => {
    const { api } = await kit.open()
    const r = await api.audit.list({ filter: toFilter(o), order: 'desc', after: null, limit: Math.min(500, Number(o.limit) || 50) })
    kit.print(r.rows, () => r.rows.map((x) => `${String(x.seq).padStart(8)} ${x.ts} ${(x.username ?? '').padEnd(16)} ${x.action.padEnd(22)} ${x.targetType ?? ''} ${x.targetKey ?? ''}`).join('\n'))
  })
}
