import { createWriteStream } from 'node:fs'
import { resolve } from 'node:path'
import { PassThrough } from 'node:stream'
import { EXPORT_TYPES, writeExport } from '../../audit/export/audit-export'
import { StackError } from '../../stack/stack-error'
import { api, requireSession } from '../api'
import { actorOf } from '../auth'

/** Downloads travel inside an API answer; bigger exports go to a file with `fda-offline audit export`. */
export const DOWNLOAD_MAX_ENTRIES = 50_000

/** Handlers of the audit viewer procedures; spread into the `audit` area of the router. */
export const auditViewerRoutes = {
  list: api.audit.list.handler(({ input, context }) => context.services.auditViewer.list(input.filter, input.order, input.after, input.limit)),
  count: api.audit.count.handler(({ input, context }) => context.services.auditViewer.count(input.filter, input.cap)),
  entry: api.audit.entry.handler(({ input, context }) => context.services.auditViewer.entry(input.seq)),
  facets: api.audit.facets.handler(({ context }) => context.services.auditViewer.facets()),
  chain: api.audit.chain.handler(({ input, context }) => context.services.chain.status(input.full)),
  export: api.audit.export.handler(async ({ input, context }) => {
    const s = context.services
    const actor = actorOf(context, requireSession(context.session))
    const chunks: Buffer[] = []
    const sink = new PassThrough()
    sink.on('data', (c: Buffer) => chunks.push(c))
    const r = await writeExport({ db: s.db, audit: s.audit, viewer: s.auditViewer }, actor, input.format, input.filter, sink, { maxEntries: DOWNLOAD_MAX_ENTRIES, destination: `download (${s.host})` })
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    return {
      filename: `audit-trail-${stamp}.${EXPORT_TYPES[input.format].ext}`, mimeType: EXPORT_TYPES[input.format].mime,
      base64: Buffer.concat(chunks).toString('base64'), entries: r.entries, sha256: r.sha256, auditSeq: r.auditSeq
    }
  }),
  exportFile: api.audit.exportFile.handler(async ({ input, context }) => {
    const s = context.services
    // A path on this machine chosen by the caller: only the command line (in-process) may name one.
    if (s.host !== 'cli') throw new StackError('FORBIDDEN', 'Exports to a file are made with the command line.', 'Download the export from the Audit screen, or run `fda-offline audit export`.')
    const actor = actorOf(context, requireSession(context.session))
    const file = resolve(input.out)
    const out = createWriteStream(file)
    await new Promise<void>((ok, fail) => {
      out.once('open', () => ok())
      out.once('error', (e) => fail(new StackError('INVALID_REQUEST', `Cannot write ${file}: ${e.message}`, 'Choose a folder you can write to.')))
    })
    const r = await writeExport({ db: s.db, audit: s.audit, viewer: s.auditViewer }, actor, input.format, input.filter, out, { destination: file })
    return { file, entries: r.entries, bytes: r.bytes, sha256: r.sha256, auditSeq: r.auditSeq }
  })
}
