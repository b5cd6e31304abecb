import { prepareFile, type PrepareRun, type PreparedInWorker } from './load-file'
import type { InputFile } from './sources'

/**
 * The import's worker thread: reads one cache file and turns it into COPY text (parse, envelope
 * checksum, canonical JSON, record checksums, sealing). The main thread only drives PostgreSQL.
 * The text comes back as UTF-8 bytes (copying a few MB to the main thread costs about a
 * millisecond; encoding them there would cost the main thread more).
 */
export default async function prepareInWorker(task: { run: PrepareRun; file: InputFile }): Promise<PreparedInWorker | null> {
  const rows = await prepareFile(task.run, task.file, () => {}, { yieldEvery: 0 })
  if (!rows) return null
  const bytes = Buffer.from((rows.chunks as string[]).join(''))
  return { out: rows.out, newest: rows.newest, fileReject: rows.fileReject, sensitive: rows.sensitive, bytes }
}
